"""Small, safe expressions over a case, for trial strata (``"ecog <= 1"``, ``"prior_drugs >= 3"``).

Why our own: a stratum is one comparison or a few joined by ``and``/``or``; a general expression
library would pull in far more than that and run arbitrary code. We parse with :mod:`ast` and
accept only comparisons, ``and``/``or``/``not``, ``in`` over literal lists, numbers, strings and
the variable names of :data:`VARIABLES` (each a pure function of the case at its ``as_of``).

Unknown values propagate: a comparison with an unknown variable is unknown (``None``), and
``and``/``or``/``not`` follow three-valued (Kleene) logic, so a stratum that cannot be decided is
reported as unknown instead of silently falling into a level.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gistpath.case.model import Case
from gistpath.case.timeline import age_at, ecog_at, treatment_lines
from gistpath.errors import KnowledgeError

Value = int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Variable:
    """A named value derived from a case, with the values it can take (to check strata cover)."""

    name: str
    meaning: str
    compute: Callable[[Case], Value]
    domain: tuple[Value, ...]


def _prior_lines(case: Case) -> int:
    return len(treatment_lines(case))


def _prior_drugs(case: Case) -> int:
    return len({line.drug for line in treatment_lines(case)})


def _exon(case: Case) -> int | None:
    return case.tumour.genotype.exon


VARIABLES: Mapping[str, Variable] = {
    v.name: v
    for v in (
        Variable(
            "age", "age in whole years at as_of", lambda c: age_at(c, c.as_of), (*range(121),)
        ),
        Variable(
            "ecog", "latest ECOG on or before as_of", lambda c: ecog_at(c, c.as_of), (*range(6),)
        ),
        Variable(
            "prior_lines",
            "treatment lines started on or before as_of",
            _prior_lines,
            (*range(16),),
        ),
        Variable(
            "prior_drugs",
            "distinct drugs among the treatment lines started on or before as_of",
            _prior_drugs,
            (*range(16),),
        ),
        Variable(
            "sex", "patient.sex", lambda c: c.patient.sex, ("female", "male", "other", "unknown")
        ),
        Variable(
            "gene",
            "tumour.genotype.gene",
            lambda c: c.tumour.genotype.gene,
            ("KIT", "PDGFRA", "none", "unknown"),
        ),
        Variable("exon", "tumour.genotype.exon", _exon, (None, *range(1, 31))),
        Variable(
            "liver_metastases",
            "liver among tumour.metastatic_sites",
            lambda c: "liver" in c.tumour.metastatic_sites,
            (False, True),
        ),
    )
}

_COMPARE: Mapping[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed, checked expression; :meth:`evaluate` gives True, False or None (unknown)."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Value]) -> bool | None:
        result = _eval(self.tree.body, values)
        if result is None or isinstance(result, bool):
            return result
        raise KnowledgeError(f"expression {self.text!r} does not give true or false")

    def evaluate_case(self, case: Case) -> bool | None:
        return self.evaluate({name: VARIABLES[name].compute(case) for name in self.names})


def parse_expression(text: str) -> Expression:
    """Parse ``text`` and check that it uses only the allowed forms and known variables."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise KnowledgeError(f"expression {text!r} is not valid: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in VARIABLES:
                known = ", ".join(sorted(VARIABLES))
                raise KnowledgeError(f"expression {text!r}: unknown name {node.id!r} ({known})")
            names.add(node.id)
        elif not isinstance(node, _ALLOWED):
            raise KnowledgeError(
                f"expression {text!r}: {type(node).__name__} is not allowed in a stratum"
            )
    return Expression(text, tree, frozenset(names))


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    *_COMPARE,
)


def _eval(node: ast.expr, values: Mapping[str, Value]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_eval(item, values) for item in node.elts)
    if isinstance(node, ast.UnaryOp):  # only ``not``
        inner = _eval(node.operand, values)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        results = [_eval(item, values) for item in node.values]
        if isinstance(node.op, ast.And):
            if any(r is False for r in results):
                return False
            return None if any(r is None for r in results) else True
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        outcome: bool | None = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, values)
            if left is None or right is None:
                outcome = None
            elif not _COMPARE[type(op)](left, right):
                return False
            left = right
        return outcome
    raise KnowledgeError(f"unsupported expression element {type(node).__name__}")
