"""Dim arithmetic that keeps dims readable: exact division of products and sums of terms collected.

``Dim`` arithmetic folds constants but does not cancel factors or collect terms: ``batch*6 // (batch*2)``
stays a quotient and ``n-1-(-1)`` stays as written. A reshape's ``-1`` is the input's volume divided
by the other dims' product, which is exact in a valid reshape, so :func:`quotient` cancels the common
factors first; :func:`simplify` collects the terms of sums and products (``//`` and ``%`` stay as they
are, their operands simplified).

>>> from trtdsl.ir.dims import Dim
>>> b, s = Dim.symbol("batch"), Dim.symbol("seq")
>>> quotient(b * 6, b * 2), quotient(b * s * 4, s), quotient(b * 6, 4)
(3, Dim('batch*4'), Dim('batch*6//4'))
>>> simplify(b - 1 - (-1)), simplify((b + s) * 2 - s), simplify(b - b + 3)
(Dim('batch'), Dim('batch*2+seq'), 3)
"""

from __future__ import annotations

from collections import Counter

from trtdsl.ir.dims import Dim, DimLike, combine


def _factors(d: DimLike) -> tuple[int, Counter[Dim]]:
    """``d`` as an int coefficient times a multiset of non-product factors."""
    if isinstance(d, int):
        return d, Counter()
    if d.op == "*":
        ca, fa = _factors(d.args[0])
        cb, fb = _factors(d.args[1])
        return ca * cb, fa + fb
    return 1, Counter([d])


def _product(coefficient: int, parts: Counter[Dim]) -> DimLike:
    out: DimLike = 1
    for factor in sorted(parts.elements(), key=str):
        out = combine("*", out, factor)
    return combine("*", out, coefficient)


def quotient(a: DimLike, b: DimLike) -> DimLike:
    """``a // b`` with common factors cancelled when ``b`` divides ``a`` exactly, else ``a // b``.

    >>> from trtdsl.ir.dims import Dim
    >>> quotient(Dim.symbol("n") * 12, 4)
    Dim('n*3')
    """
    ca, fa = _factors(a)
    cb, fb = _factors(b)
    if cb != 0 and ca % cb == 0 and not fb - fa:
        return _product(ca // cb, fa - fb)
    return combine("//", a, b)


Polynomial = dict[tuple[Dim, ...], int]  # sorted factors (an empty tuple: the constant) -> coefficient


def _polynomial(d: DimLike) -> Polynomial:
    if isinstance(d, int):
        return {(): d} if d else {}
    if d.is_symbol or d.op not in ("+", "-", "*"):
        atom = d if d.is_symbol else combine(d.op, simplify(d.args[0]), simplify(d.args[1]))
        return _polynomial(atom) if isinstance(atom, int) else {(atom,): 1}
    a, b = (_polynomial(x) for x in d.args)
    out: Polynomial = {}
    if d.op == "*":
        for fa, ca in a.items():
            for fb, cb in b.items():
                key = tuple(sorted(fa + fb, key=str))
                out[key] = out.get(key, 0) + ca * cb
    else:
        sign = 1 if d.op == "+" else -1
        out = dict(a)
        for key, c in b.items():
            out[key] = out.get(key, 0) + sign * c
    return {k: c for k, c in out.items() if c}


def simplify(d: DimLike) -> DimLike:
    """``d`` with the terms of its sums and products collected (the same value for every binding).

    >>> from trtdsl.ir.dims import Dim
    >>> simplify(Dim.symbol("n") + 2 - 2)
    Dim('n')
    """
    if isinstance(d, int) or d.is_symbol:
        return d
    terms = sorted(_polynomial(d).items(), key=lambda item: (item[1] < 0, not item[0], str(item[0])))
    out: DimLike = 0
    for factors_, c in terms:
        term: DimLike = 1
        for f in factors_:
            term = combine("*", term, f)
        if out == 0 and c > 0:
            out = combine("*", term, c)
        elif c > 0:
            out = combine("+", out, combine("*", term, c))
        else:
            out = combine("-", out, combine("*", term, -c))
    return out


def same_dim(a: DimLike, b: DimLike) -> bool:
    """Whether ``a`` and ``b`` are equal for every binding of their symbols, as written or once their sums
    and products are collected (``n + n`` is ``n * 2``, as a concatenation and a reshape write it).

    >>> from trtdsl.ir.dims import Dim
    >>> n = Dim.symbol("n")
    >>> same_dim(n + n, n * 2), same_dim((n + 1) * 2, n * 2 + 2), same_dim(n + 1, n)
    (True, True, False)
    """
    return a == b or (isinstance(a, Dim) or isinstance(b, Dim)) and simplify(a) == simplify(b)


def never_equal(a: DimLike, b: DimLike) -> bool:
    """Whether dims ``a`` and ``b`` differ at every size of their symbols (sizes >= 0): two ints that
    differ, or a product ``c * n * ...`` against an int that is not a multiple of ``c`` (``batch * 4``
    can never be 15), or against 0 when ``c`` is 0. Sums and quotients are not judged (False).

    >>> from trtdsl.ir.dims import Dim
    >>> b = Dim.symbol("batch")
    >>> never_equal(b * 4, 15), never_equal(b * 4, 16), never_equal(b * 4, b * 3)
    (True, False, False)
    """
    if isinstance(a, int) and isinstance(b, int):
        return a != b
    if isinstance(a, int):
        a, b = b, a
    if not isinstance(b, int):
        return False
    coefficient, factors = _factors(a)
    if not all(f.is_symbol for f in factors):
        return False
    return b % coefficient != 0 if coefficient else b != 0


def never_negative(d: DimLike) -> bool:
    """Whether dim ``d`` is >= 0 at every size of its symbols (sizes >= 0): an int >= 0, a symbol, and the
    sums, products, floor quotients and remainders of such; a difference may be negative.

    >>> from trtdsl.ir.dims import Dim
    >>> n = Dim.symbol("n")
    >>> never_negative(n * 2 + 1), never_negative(n - 3)
    (True, False)
    """
    if isinstance(d, int):
        return d >= 0
    return d.is_symbol or d.op in ("+", "*", "//", "%") and all(never_negative(a) for a in d.args)


def never_positive(d: DimLike) -> bool:
    """Whether dim ``d`` is <= 0 at every size of its symbols (sizes >= 0): an int <= 0, and differences
    and sums that keep it so (``0 - n``, written ``-n``; ``-n - 1``).

    >>> from trtdsl.ir.dims import Dim
    >>> n = Dim.symbol("n")
    >>> never_positive(-n), never_positive(-n - 1), never_positive(n - 3), never_positive(n)
    (True, True, False, False)
    """
    if isinstance(d, int):
        return d <= 0
    if d.op == "-":
        return never_positive(d.args[0]) and never_negative(d.args[1])
    return d.op == "+" and all(never_positive(a) for a in d.args)


__all__ = ["never_equal", "never_negative", "never_positive", "quotient", "same_dim", "simplify"]
