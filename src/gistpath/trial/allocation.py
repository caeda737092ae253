"""Allocation lists (pure): stratified permuted blocks made in advance, from ``secrets``.

Each stratum gets its own list of slots, filled block by block; each block's size is drawn from
the design's set and holds the arms in the design's ratio, in an order shuffled by Fisher-Yates.
Every slot carries an opaque kit code (what blinded users see). Randomness comes only from a
:class:`RandomSource`, by default :data:`SECRETS` (the operating system's CSPRNG through the
``secrets`` module): there is no seed, so none can be stored, printed or guessed. Tests pass a
deterministic source to explore many lists.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from gistpath.trial.design import TrialDesign

#: Kit-code alphabet: Crockford's base 32 (no I, L, O, U), read aloud without confusion.
KIT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KIT_SYMBOLS = 8


class RandomSource(Protocol):
    """Uniform integers in ``[0, n)``."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int: ...


class _Secrets:
    """The ``secrets`` module as a :class:`RandomSource`."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int:
        return secrets.randbelow(exclusive_upper_bound)


SECRETS: RandomSource = _Secrets()


@dataclass(frozen=True, slots=True)
class Slot:
    """One place in a stratum's list: taken in ``seq`` order by the next participant."""

    stratum: str
    seq: int  # 1-based position in the stratum's list
    block: int  # 1-based block number
    block_size: int
    arm: str
    kit_code: str


def permuted_block(ratio: Mapping[str, int], size: int, rng: RandomSource = SECRETS) -> list[str]:
    """One block of ``size`` arms in ``ratio``, shuffled (Fisher-Yates)."""
    unit = sum(ratio.values())
    if size % unit:
        raise ValueError(f"block size {size} is not a multiple of the ratio total {unit}")
    block = [arm for arm, share in ratio.items() for _ in range(share * size // unit)]
    for i in range(len(block) - 1, 0, -1):
        j = rng.randbelow(i + 1)
        block[i], block[j] = block[j], block[i]
    return block


def kit_code(rng: RandomSource = SECRETS) -> str:
    """An opaque kit code such as ``K-7F3A-9C2B`` (40 random bits)."""
    symbols = "".join(KIT_ALPHABET[rng.randbelow(len(KIT_ALPHABET))] for _ in range(KIT_SYMBOLS))
    half = KIT_SYMBOLS // 2
    return f"K-{symbols[:half]}-{symbols[half:]}"


def allocation_list(
    stratum: str,
    ratio: Mapping[str, int],
    block_sizes: Sequence[int],
    min_slots: int,
    rng: RandomSource = SECRETS,
    used_codes: set[str] | None = None,
) -> list[Slot]:
    """Whole permuted blocks for one stratum until the list holds at least ``min_slots``."""
    used = set() if used_codes is None else used_codes
    slots: list[Slot] = []
    block_no = 0
    while len(slots) < min_slots:
        block_no += 1
        size = block_sizes[rng.randbelow(len(block_sizes))]
        for arm in permuted_block(ratio, size, rng):
            code = kit_code(rng)
            while code in used:
                code = kit_code(rng)
            used.add(code)
            slots.append(Slot(stratum, len(slots) + 1, block_no, size, arm, code))
    return slots


def generate_allocation_lists(
    design: TrialDesign, slots_per_stratum: int | None = None, rng: RandomSource = SECRETS
) -> dict[str, list[Slot]]:
    """One list per stratum of ``design``, kit codes unique across the trial."""
    wanted = slots_per_stratum or design.randomisation.slots_per_stratum
    used: set[str] = set()
    return {
        stratum: allocation_list(
            stratum, design.ratio, design.randomisation.block_sizes, wanted, rng, used
        )
        for stratum in design.all_strata()
    }
