"""R4 and R5: permuted blocks keep the arms balanced within each stratum, exactly at every
completed block; the lists come from ``secrets`` and no ``random`` module is anywhere near."""

from __future__ import annotations

import ast
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gistpath.store.trials
import gistpath.trial.allocation
from gistpath.trial.allocation import (
    KIT_ALPHABET,
    allocation_list,
    generate_allocation_lists,
    kit_code,
    permuted_block,
)
from gistpath.trial.design import load_design


class Seeded:
    """A RandomSource driven by Hypothesis (tests only; allocation code never sees ``random``)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def randbelow(self, exclusive_upper_bound: int, /) -> int:
        return self.rnd.randrange(exclusive_upper_bound)


def running_imbalance(arms: list[str], a: str, b: str) -> list[int]:
    """|n_a - n_b| after each allocation."""
    seen: Counter[str] = Counter()
    out = []
    for arm in arms:
        seen[arm] += 1
        out.append(abs(seen[a] - seen[b]))
    return out


def test_the_imbalance_checker_can_fail() -> None:
    assert max(running_imbalance(["A", "A", "A", "A", "B"], "A", "B")) == 4


BLOCK_SETS = st.lists(st.sampled_from([2, 4, 6, 8, 10]), min_size=1, max_size=4, unique=True)


@settings(max_examples=300, deadline=None)
@given(blocks=BLOCK_SETS, length=st.integers(1, 120), rnd=st.randoms(use_true_random=True))
def test_r4_one_to_one_imbalance_never_exceeds_half_the_largest_block(
    blocks: list[int], length: int, rnd: random.Random
) -> None:
    slots = allocation_list("s", {"A": 1, "B": 1}, blocks, length, Seeded(rnd))
    arms = [s.arm for s in slots]
    assert len(slots) >= length
    assert max(running_imbalance(arms, "A", "B")) <= max(blocks) // 2
    # exact 1:1 at the end of every completed block
    ends = [
        i + 1 for i, s in enumerate(slots) if i + 1 == len(slots) or slots[i + 1].block != s.block
    ]
    for end in ends:
        assert Counter(arms[:end]) == {"A": end // 2, "B": end // 2}


@settings(max_examples=200, deadline=None)
@given(
    ratio=st.sampled_from([(2, 1), (1, 2), (3, 2), (1, 1, 1)]),
    multiples=st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True),
    length=st.integers(1, 90),
    rnd=st.randoms(use_true_random=True),
)
def test_r4_any_ratio_is_exact_at_every_completed_block(
    ratio: tuple[int, ...], multiples: list[int], length: int, rnd: random.Random
) -> None:
    shares = {f"arm{i}": r for i, r in enumerate(ratio)}
    unit = sum(ratio)
    blocks = [m * unit for m in multiples]
    slots = allocation_list("s", shares, blocks, length, Seeded(rnd))
    seen: Counter[str] = Counter()
    for i, slot in enumerate(slots):
        seen[slot.arm] += 1
        n = i + 1
        for arm, share in shares.items():
            # never further from the target than one largest block's share allows
            assert abs(seen[arm] * unit - n * share) <= max(blocks) * share
        last_of_block = i + 1 == len(slots) or slots[i + 1].block != slot.block
        if last_of_block:
            assert {a: seen[a] * unit for a in shares} == {a: n * s for a, s in shares.items()}
            assert slot.block_size in blocks


def test_blocks_hold_the_ratio_and_sizes_come_from_the_set() -> None:
    rnd = Seeded(random.Random(7))
    assert Counter(permuted_block({"A": 2, "B": 1}, 6, rnd)) == {"A": 4, "B": 2}
    with pytest.raises(ValueError, match="not a multiple"):
        permuted_block({"A": 2, "B": 1}, 4, rnd)
    slots = allocation_list("s", {"A": 1, "B": 1}, [2, 4, 6], 300, rnd)
    sizes = Counter(s.block_size for s in slots if s.seq == 1 or s.block != slots[s.seq - 2].block)
    assert set(sizes) == {2, 4, 6}  # all three sizes drawn over ~75 blocks


def test_right_lists_cover_every_stratum_with_whole_blocks_and_unique_kits() -> None:
    design = load_design("RIGHT")
    lists = generate_allocation_lists(design)  # the real secrets source
    assert sorted(lists) == sorted(design.all_strata())
    codes = [s.kit_code for slots in lists.values() for s in slots]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(f"K-[{KIT_ALPHABET}]{{4}}-[{KIT_ALPHABET}]{{4}}", c) for c in codes)
    for slots in lists.values():
        assert 81 <= len(slots) <= 81 + 5
        assert [s.seq for s in slots] == list(range(1, len(slots) + 1))
        arms = Counter(s.arm for s in slots)
        assert arms["imatinib"] == arms["placebo"]  # the list ends on a completed block
    assert kit_code() != kit_code()


@pytest.mark.parametrize("module", [gistpath.trial.allocation, gistpath.store.trials])
def test_r5_no_random_module_in_allocation_code(module: object) -> None:
    source = Path(str(getattr(module, "__file__", ""))).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "random" not in imported
    assert "numpy" not in imported
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    names |= {n.arg for n in ast.walk(ast.parse(source)) if isinstance(n, ast.arg)}
    assert {name for name in names if "seed" in name.lower()} == set()
