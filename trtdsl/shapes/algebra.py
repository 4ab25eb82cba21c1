"""Exact division of dim products, so inferred dims stay readable.

``Dim`` arithmetic folds constants but does not cancel factors: ``batch*6 // (batch*2)`` stays a
quotient. A reshape's ``-1`` is the input's volume divided by the other dims' product, which is exact
in a valid reshape, so :func:`quotient` cancels the common factors first.

>>> from trtdsl.ir.dims import Dim
>>> b, s = Dim.symbol("batch"), Dim.symbol("seq")
>>> quotient(b * 6, b * 2), quotient(b * s * 4, s), quotient(b * 6, 4)
(3, Dim('batch*4'), Dim('batch*6//4'))
"""

from __future__ import annotations

from collections import Counter

from trtdsl.ir.dims import DimLike, combine


def factors(d: DimLike) -> tuple[int, Counter]:
    """``d`` as an int coefficient times a multiset of non-product factors."""
    if isinstance(d, int):
        return d, Counter()
    if d.op == "*":
        ca, fa = factors(d.args[0])
        cb, fb = factors(d.args[1])
        return ca * cb, fa + fb
    return 1, Counter([d])


def product(coefficient: int, parts: Counter) -> DimLike:
    out: DimLike = 1
    for factor in sorted(parts.elements(), key=str):
        out = combine("*", out, factor)
    return combine("*", out, coefficient)


def quotient(a: DimLike, b: DimLike) -> DimLike:
    """``a // b`` with common factors cancelled when ``b`` divides ``a`` exactly, else ``a // b``."""
    ca, fa = factors(a)
    cb, fb = factors(b)
    if cb != 0 and ca % cb == 0 and not fb - fa:
        return product(ca // cb, fa - fb)
    return combine("//", a, b)


__all__ = ["factors", "product", "quotient"]
