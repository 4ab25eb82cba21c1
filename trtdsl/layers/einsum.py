"""IEinsumLayer: ``np.einsum(equation, *operands)``, an Einstein summation over float tensors.

The equation names each operand's dims with lowercase letters, one comma-separated term per operand,
optionally followed by ``->`` and the output's letters (explicit mode). Without ``->`` (implicit mode) the
output is the letters that occur exactly once, in alphabetical order. A letter shared by two operands
multiplies along that dim; a letter missing from the output is summed: ``"ij,jk->ik"`` is a matrix
product, ``"ij->ji"`` a transpose, ``"ij->"`` a sum, ``"i,i->"`` a dot product. Spaces may separate the
parts.

TensorRT's sources disagree on what else the layer takes:

- NvInfer.h (10.16 L5989, 11.1 L5818): one or more inputs; dims of one letter "match or be broadcastable";
  a letter repeated in one operand takes the diagonal; ``...`` broadcasts dims; float/half in, float out.
- The Python API's ``IEinsumLayer`` doc: all inputs of one type, the output of that type, and "TensorRT
  does not support ellipsis or diagonal operations".
- The Operators reference (Einsum): up to two inputs; dims of one letter must match; float16, float32,
  bfloat16.
- TensorRT's ONNX parser (onnx-tensorrt ``importEinsum``) writes every ellipsis as letters and contracts
  more than two operands pairwise before it adds Einsum layers.

So the layer, and trtdsl's op, take what every source accepts: one or two operands of one float dtype
(the output has it), no ellipsis, no letter twice in one operand, equal dims for one letter. ``td.einsum``
also accepts an ellipsis and more than two operands, rewritten as the ONNX parser rewrites them: ``...``
becomes fresh letters (right-aligned, NumPy's rule; in implicit mode they lead the output), and operands
are contracted left to right, each intermediate keeping the letters still needed. Whether TensorRT 11.x
takes diagonals, ellipses, broadcast dims or three inputs in one layer is UNCONFIRMED (NVIDIA's TensorRT
cookbook log runs all but broadcasting on 10.16; an engine built on 11.x would settle it). 16-bit floats
are computed in float32 and rounded once (UNCONFIRMED: TensorRT does not say how it accumulates).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("es")
>>> a = net.input("a", td.float32, (2, 3))
>>> b = net.input("b", td.float32, (3, 2))
>>> net.output("product", td.einsum("ij,jk->ik", a, b))
>>> net.output("trace", td.einsum("ij,ji", a, b))          # implicit: no letter occurs once
>>> out = net.run({"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones((3, 2), np.float32)})
>>> out["product"], out["trace"]
(array([[ 3.,  3.],
       [12., 12.]], dtype=float32), array(15., dtype=float32))
"""

from __future__ import annotations

import math
import string
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DSLError, DTypeError, ShapeError, UnequalDimsError, bad_argument
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim
from trtdsl.layers._common import as_tensor, expect_dtype, in_float

__all__ = ["Einsum", "einsum"]

MAX_INPUTS = 2  # the Operators reference: "Up to two inputs can be set"
_LETTERS = string.ascii_lowercase
_SYMBOLS = frozenset(_LETTERS + ",->.")


@attrs.frozen
class Subscripts:
    """A checked equation: each operand's letters and the output's (implicit mode resolved)."""

    terms: tuple[str, ...]
    output: str

    def text(self) -> str:
        """The explicit equation, e.g. ``"ij,jk->ik"``."""
        return ",".join(self.terms) + "->" + self.output


def _bad(fn: str, equation: Any, expected: str) -> DSLError:
    return bad_argument(fn, "equation", equation, expected)


def _split(fn: str, equation: Any, count: int, *, ellipsis: bool) -> tuple[list[str], str | None]:
    """The terms of ``count`` operands and the output term (None in implicit mode), without spaces; an
    ellipsis stays ``...`` where ``ellipsis`` allows it."""
    if not isinstance(equation, str):
        raise _bad(fn, equation, "a string such as 'ij,jk->ik'")
    text = equation.replace(" ", "")
    odd = next((ch for ch in text if ch not in _SYMBOLS), None)
    if odd is not None:
        raise _bad(fn, equation, f"lowercase letters, ',', '->', '...' and spaces ({odd!r} is none of them)")
    lhs, arrow, rhs = text.partition("->")
    if any(ch in "->" for ch in lhs + rhs):
        raise _bad(fn, equation, "'->' at most once, between the operands' terms and the output's")
    terms = lhs.split(",")
    if len(terms) != count:
        plural = "s" if count > 1 else ""
        raise _bad(fn, equation, f"{count} comma-separated term{plural}, one per operand (it has "
                                 f"{len(terms)})")
    for term in terms + [rhs]:
        if "." in term and (term.count(".") != 3 or "..." not in term):
            raise _bad(fn, equation, "an ellipsis as '...', at most once per term")
    if not ellipsis and "." in text:
        raise _bad(fn, equation, "no ellipsis: the Einsum layer takes letters only (td.einsum writes '...' "
                                 "as letters)")
    return terms, (rhs if arrow else None)


def _expand(fn: str, equation: str, terms: list[str], output: str | None,
            types: Sequence[TensorType]) -> tuple[list[str], str]:
    """The terms and explicit output with each ``...`` written as fresh letters, right-aligned over the
    dims it stands for (NumPy's rule); in implicit mode those letters lead the output."""
    counts = []
    for term, ty in zip(terms, types):
        named = len(term) - (3 if "..." in term else 0)
        counts.append(ty.rank - named if "..." in term and ty.rank >= named else 0)
    fresh = [c for c in _LETTERS if c not in equation]
    widest = max(counts)
    if widest > len(fresh):
        raise _bad(fn, equation, f"at most 26 letters in all (its '...' stands for {widest} dims, and "
                                 f"{len(fresh)} letters are unused)")
    letters = "".join(fresh[:widest])
    expanded = [term.replace("...", letters[widest - n:]) for term, n in zip(terms, counts)]
    if output is None:
        used = "".join(terms).replace(".", "")
        return expanded, letters + "".join(sorted(c for c in set(used) if used.count(c) == 1))
    if "..." not in output and widest:
        dims = f"{widest} dim{'s' if widest > 1 else ''}"
        raise _bad(fn, equation, f"'...' in the output too (NumPy keeps the {dims} it stands for in the "
                                 "operands)")
    return expanded, output.replace("...", letters)


def _subscripts(fn: str, equation: str, terms: Sequence[str], output: str | None) -> Subscripts:
    """The checked subscripts: no letter twice in one operand, output letters once each and from the
    operands."""
    for i, term in enumerate(terms):
        twice = next((c for c in term if term.count(c) > 1), None)
        if twice is not None:
            raise _bad(fn, equation, f"each letter at most once per operand (operand {i}'s {term!r} repeats "
                                     f"{twice!r}: a diagonal, which TensorRT's Python API documents as "
                                     "unsupported; for 'ii->i' write td.einsum('ij,ij->i', x, np.eye(n, "
                                     "dtype=np.float32)))")
    letters = "".join(terms)
    if output is None:
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for c in output:
        if c not in letters:
            raise _bad(fn, equation, f"output letters that occur in an operand ({c!r} does not)")
        if output.count(c) > 1:
            raise _bad(fn, equation, f"each output letter once ({c!r} repeats)")
    return Subscripts(tuple(terms), output)


def _output_type(fn: str, subs: Subscripts, types: Sequence[TensorType]) -> TensorType:
    """The output type, after checking the operands' dtypes, ranks and the dims of each letter."""
    for i, ty in enumerate(types):
        expect_dtype(fn, f"operands[{i}]", ty, dtypes.FLOATS,
                     " (TensorRT's Einsum takes float types only; cast integers with td.cast)")
        if ty.dtype != types[0].dtype:
            raise DTypeError(f"{fn}: operands[{i}] has dtype {ty.dtype.name} but operands[0] has "
                             f"{types[0].dtype.name}; TensorRT networks are strongly typed, so all operands "
                             "must have the same dtype (cast with td.cast)")
    dims: dict[str, tuple[DimLike, int]] = {}
    for i, (term, ty) in enumerate(zip(subs.terms, types)):
        if len(term) != ty.rank:
            raise ShapeError(f"{fn}: operands[{i}] has shape {ty.shape_text}, but its term {term!r} names "
                             f"{len(term)} dim{'' if len(term) == 1 else 's'}")
        for c, d in zip(term, ty.shape):
            if c not in dims:
                dims[c] = (d, i)
                continue
            seen, j = dims[c]
            if same_dim(seen, d):
                continue
            if isinstance(seen, Dim) and isinstance(d, int):
                dims[c] = (d, i)  # a static dim tells more; the two must agree when the network runs
                continue
            if isinstance(seen, int) and isinstance(d, Dim):
                continue
            where = (f"{fn}: letter {c!r} is {seen} in operands[{j}] (shape {types[j].shape_text}) and {d} "
                     f"in operands[{i}] (shape {ty.shape_text}); the dims")
            if isinstance(d, Dim):
                raise UnequalDimsError(f"{where} may differ; give operands that must agree the same dim name",
                                       dims=(seen, d))
            raise ShapeError(f"{where} differ; TensorRT's Einsum needs equal dims for one letter (it does "
                             "not broadcast: use td.broadcast_to)")
    return TensorType(types[0].dtype, tuple(dims[c][0] for c in subs.output))


@attrs.frozen
class Einsum(Op):
    """``np.einsum(equation, *inputs)`` for one or two float inputs (see the module doc for the subset)."""

    kind = "Einsum"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.einsum`",
        "`IEinsumLayer`",
        "`np.einsum` on float operands of one dtype. One layer takes one or two operands, lowercase "
        "letters without `...`, no letter twice in one operand and equal dims for one letter: what "
        "NvInfer.h, the Python API doc, the Operators reference and TensorRT's ONNX parser all accept. "
        "`td.einsum` writes `...` as letters and contracts more operands left to right in a chain of "
        "layers, as that parser does; diagonals and broadcast dims are refused (NvInfer.h allows them; "
        "the Python API doc rules out diagonals and the Operators page wants equal dims: *UNCONFIRMED*). "
        "16-bit floats computed in float32.",
        "NvInfer.h `IEinsumLayer`, Python API docs, Operators reference, onnx-tensorrt Einsum importer",
    )
    # without spaces, which NvInfer.h's grammar has none of (onnx-tensorrt removes them before the layer)
    equation: str = attrs.field(converter=lambda e: "".join(e.split()) if isinstance(e, str) else e)

    def subscripts(self, count: int) -> Subscripts:
        """The equation checked for ``count`` inputs, implicit mode resolved."""
        terms, output = _split(self.kind, self.equation, count, ellipsis=False)
        return _subscripts(self.kind, self.equation, terms, output)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        if not 1 <= len(inputs) <= MAX_INPUTS:
            raise ArgumentError(f"Einsum: got {len(inputs)} inputs; expected 1 or {MAX_INPUTS} (td.einsum "
                                "contracts more operands pairwise)")
        return (_output_type(self.kind, self.subscripts(len(inputs)), inputs),)

    def reference(self, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        subs = self.subscripts(len(arrays))
        sizes: dict[str, int] = {}
        for term, array in zip(subs.terms, arrays):
            for c, n in zip(term, array.shape):
                if sizes.setdefault(c, n) != n:  # NumPy would broadcast a 1 here
                    raise ValueError(f"letter {c!r} is {sizes[c]} in one operand and {n} in another")
        if len(arrays) == 2 and _is_product(subs, *arrays):
            return (in_float(lambda a, b: _contract(subs, a, b), arrays[0].dtype, *arrays),)
        return (in_float(lambda *xs: np.einsum(subs.text(), *xs), arrays[0].dtype, *arrays),)


def _is_product(subs: Subscripts, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether :func:`_contract` takes ``a`` and ``b``: they share a letter the output lacks (a product to
    give BLAS; elementwise and outer products gain nothing from it: ``ij,ij->ij`` on 512x512 took 0.82 ms
    by stacks of 1x1 products against 0.12 ms) and neither is empty (a letter of size 0 sums to 0 even
    beside a NaN, which summing it first would multiply)."""
    (ta, tb), out = subs.terms, subs.output
    return bool(a.size and b.size) and any(c in tb and c not in out for c in ta)


def _contract(subs: Subscripts, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.einsum(subs.text(), a, b)`` (no letter twice in one term, equal dims per letter) as one
    ``np.matmul`` of stacks: a letter of one operand that the output lacks is summed first; then ``a``'s
    dims go in the order (batch, left, inner) and ``b``'s in the order (batch, inner, right), where batch
    letters are in both operands and the output, inner ones in both operands only, left and right ones in
    one operand and the output, each group flattened into one dim. NumPy's einsum multiplies and adds
    value by value rather than by BLAS (``bij,bjk->bik`` on (64, 128, 64) by (64, 64, 128): 10.7 ms against
    0.6 ms); BLAS sums each dot product in its own order, so results agree within float32 rounding.

    >>> _contract(Subscripts(("ij", "jk"), "ki"), np.ones((2, 3)), np.ones((3, 4))).shape
    (4, 2)
    """
    (ta, tb), out = subs.terms, subs.output
    a, ta = _sum_unshared(a, ta, tb + out)
    b, tb = _sum_unshared(b, tb, ta + out)
    size = {**dict(zip(ta, a.shape)), **dict(zip(tb, b.shape))}
    batch = [c for c in out if c in ta and c in tb]
    left = [c for c in out if c in ta and c not in tb]
    right = [c for c in out if c in tb and c not in ta]
    inner = [c for c in ta if c in tb and c not in out]

    def stack(x: np.ndarray, term: str, *groups: list[str]) -> np.ndarray:
        order = [term.index(c) for group in groups for c in group]
        return x.transpose(order).reshape([math.prod(size[c] for c in group) for group in groups])

    product = np.matmul(stack(a, ta, batch, left, inner), stack(b, tb, batch, inner, right))
    letters = batch + left + right
    return product.reshape([size[c] for c in letters]).transpose([letters.index(c) for c in out])


def _sum_unshared(x: np.ndarray, term: str, others: str) -> tuple[np.ndarray, str]:
    """``x`` summed over its letters that ``others`` lacks, and its remaining letters."""
    alone = tuple(i for i, c in enumerate(term) if c not in others)
    if not alone:
        return x, term
    return np.add.reduce(x, axis=alone), "".join(c for c in term if c in others)


def _pairwise(subs: Subscripts, tensors: Sequence[Tensor], name: str | None) -> Tensor:
    """Contract the operands left to right; each intermediate keeps the letters a later operand or the
    output still needs, in the order they first occur."""
    left, left_term = tensors[0], subs.terms[0]
    last = len(tensors) - 1
    for i in range(1, len(tensors)):
        term = subs.terms[i]
        if i == last:
            output = subs.output
        else:
            needed = "".join(subs.terms[i + 1:]) + subs.output
            output = "".join(dict.fromkeys(c for c in left_term + term if c in needed))
        step = Einsum(f"{left_term},{term}->{output}")
        left = left.network.add1(step, (left, tensors[i]), name=name if i == last else None)
        left_term = output
    return left


def einsum(equation: str, *operands: Any, name: str | None = None) -> Tensor:
    """``np.einsum(equation, *operands)``: one IEinsumLayer for one or two operands, a chain of them for
    more (contracted left to right). Operands are float tensors of one dtype; NumPy arrays become constants
    of that dtype. ``...`` is written as letters; a letter repeated in one operand (a diagonal) and dims of
    one letter that differ (broadcasting) are refused (see the module doc).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("bmm")
    >>> q = net.input("q", td.float32, ("batch", 2, 3))
    >>> k = net.input("k", td.float32, ("batch", 4, 3))
    >>> net.output("scores", td.einsum("...qd,...kd->...qk", q, k))   # q @ k.T per batch
    >>> net.nodes[-1].op.equation
    'aqd,akd->aqk'
    >>> out = net.run({"q": np.ones((1, 2, 3), np.float32), "k": np.full((1, 4, 3), 2, np.float32)})
    >>> out["scores"]
    array([[[6., 6., 6., 6.],
            [6., 6., 6., 6.]]], dtype=float32)
    """
    if not operands:
        raise ArgumentError("einsum: got no operands; expected one or more tensors after the equation")
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    if like is None:
        raise ArgumentError("einsum: no operand is a trtdsl Tensor; expected at least one (NumPy arrays become "
                            "constants of its dtype)")
    tensors = [as_tensor("einsum", f"operands[{i}]", o, like) for i, o in enumerate(operands)]
    types = [t.type for t in tensors]
    terms, output = _split("einsum", equation, len(tensors), ellipsis=True)
    rewritten = "." in equation
    if rewritten:
        terms, output = _expand("einsum", equation, terms, output, types)
    subs = _subscripts("einsum", equation, terms, output)
    _output_type("einsum", subs, types)
    if len(tensors) > MAX_INPUTS:
        return _pairwise(subs, tensors, name)
    return like.network.add1(Einsum(subs.text() if rewritten else equation), tuple(tensors), name=name)
