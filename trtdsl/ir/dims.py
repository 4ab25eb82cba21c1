"""Dimensions: ints, or symbolic expressions over named dynamic dims.

A named dynamic dim (``"batch"`` in ``net.input("x", td.float32, ("batch", 4))``) is a :class:`Dim`
symbol. Shape rules combine dims with ``+ - * //`` and get new expressions; constants fold and the
identities ``d+0``, ``d*1``, ``d//1`` simplify, so static shapes stay ints.

>>> b = Dim.symbol("batch")
>>> (b * 2 + 0, (b - 5) // 1 + 1, 3 * 4)
(Dim('batch*2'), Dim('batch-5+1'), 12)
>>> ((b * 2) // 2).evaluate({"batch": 7})
7
"""

from __future__ import annotations

import operator
from typing import Callable, Union

import attrs

_OPS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}


@attrs.frozen(repr=False)
class Dim:
    """A symbolic dim: a named dim (``op == ""``, ``args == (name,)``) or ``args[0] op args[1]``."""

    op: str
    args: tuple

    @staticmethod
    def symbol(name: str) -> Dim:
        return Dim("", (name,))

    @property
    def is_symbol(self) -> bool:
        return self.op == ""

    def symbols(self) -> set[str]:
        if self.is_symbol:
            return {self.args[0]}
        found: set[str] = set()
        for a in self.args:
            if isinstance(a, Dim):
                found |= a.symbols()
        return found

    def evaluate(self, bindings: dict[str, int]) -> int:
        """The dim's value given the named dims' values (KeyError names an unbound dim)."""
        if self.is_symbol:
            return bindings[self.args[0]]
        lhs, rhs = (evaluate(a, bindings) for a in self.args)
        return _OPS[self.op](lhs, rhs)

    def __str__(self) -> str:
        if self.is_symbol:
            return self.args[0]
        lhs, rhs = (_operand_text(a, self.op) for a in self.args)
        return f"{lhs}{self.op}{rhs}"

    def __repr__(self) -> str:
        return f"Dim({str(self)!r})"

    def __add__(self, other: DimLike) -> DimLike:
        return combine("+", self, other)

    def __radd__(self, other: DimLike) -> DimLike:
        return combine("+", other, self)

    def __sub__(self, other: DimLike) -> DimLike:
        return combine("-", self, other)

    def __rsub__(self, other: DimLike) -> DimLike:
        return combine("-", other, self)

    def __mul__(self, other: DimLike) -> DimLike:
        return combine("*", self, other)

    def __rmul__(self, other: DimLike) -> DimLike:
        return combine("*", other, self)

    def __floordiv__(self, other: DimLike) -> DimLike:
        return combine("//", self, other)

    def __rfloordiv__(self, other: DimLike) -> DimLike:
        return combine("//", other, self)

    def __mod__(self, other: DimLike) -> DimLike:
        return combine("%", self, other)


DimLike = Union[int, Dim]


def _operand_text(a: DimLike, op: str) -> str:
    text = str(a)
    if isinstance(a, Dim) and not a.is_symbol and (op in ("*", "//", "%") and a.op in ("+", "-")):
        return f"({text})"
    if isinstance(a, int) and a < 0:
        return f"({text})"
    return text


def combine(op: str, lhs: DimLike, rhs: DimLike) -> DimLike:
    """``lhs op rhs`` with constants folded and trivial identities removed."""
    if isinstance(lhs, int) and isinstance(rhs, int):
        return _OPS[op](lhs, rhs)
    if op == "+" and rhs == 0 or op == "-" and rhs == 0:
        return lhs
    if op == "+" and lhs == 0:
        return rhs
    if op == "*":
        if rhs == 1:
            return lhs
        if lhs == 1:
            return rhs
        if lhs == 0 or rhs == 0:
            return 0
    if op == "//" and rhs == 1:
        return lhs
    if op == "//" and isinstance(lhs, Dim) and lhs.op == "*" and lhs.args[1] == rhs:
        return lhs.args[0]
    return Dim(op, (lhs, rhs))


def evaluate(d: DimLike, bindings: dict[str, int]) -> int:
    return d if isinstance(d, int) else d.evaluate(bindings)


def as_dim(value: object) -> DimLike:
    """An int or a Dim from what a user wrote for one dim (an int, a name, or a Dim)."""
    if isinstance(value, Dim):
        return value
    if isinstance(value, str):
        return Dim.symbol(value)
    return int(value)  # type: ignore[call-overload]


def is_static(shape: tuple[DimLike, ...]) -> bool:
    return all(isinstance(d, int) for d in shape)


def volume(shape: tuple[DimLike, ...]) -> DimLike:
    total: DimLike = 1
    for d in shape:
        total = combine("*", total, d)
    return total


def format_shape(shape: tuple[DimLike, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"
