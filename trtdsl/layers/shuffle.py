"""IShuffleLayer (transpose, reshape, transpose); squeeze and unsqueeze are in :mod:`trtdsl.layers.squeeze`.

Shuffle applies ``first_transpose``, then ``reshape``, then ``second_transpose``. Permutations follow
``np.transpose`` (output dim i is input dim ``perm[i]``). In reshape dims, ``-1`` is inferred and ``0``
copies the input dim at the same index (``zero_is_placeholder=True``, TensorRT's default).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sh")
>>> x = net.input("x", td.float32, (3, 4))
>>> net.output("y", td.shuffle(x, first_transpose=(1, 0), reshape=(2, 6)))
>>> a = np.array([[1, 2, 3, 4], [10, 20, 30, 40], [100, 200, 300, 400]], np.float32)
>>> net.run({"x": a})["y"]       # np.transpose(a, (1, 0)).reshape(2, 6)
array([[  1.,  10., 100.,   2.,  20., 200.],
       [  3.,  30., 300.,   4.,  40., 400.]], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any, Sequence, cast

import attrs
import numpy as np

from trtdsl.errors import ArgumentError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, static_shape, volume
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor, normalize_axes
from trtdsl.layers._shape_args import shape_arg

__all__ = ["Shuffle", "reshape", "shuffle", "transpose"]


def _opt_tuple(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(operator.index(v) for v in value)


def _opt_dims(value: Any) -> tuple[DimLike, ...] | None:
    return None if value is None else tuple(v if isinstance(v, Dim) else operator.index(v) for v in value)


def _check_perm(label: str, arg: str, perm: tuple[int, ...], rank: int) -> None:
    if sorted(perm) != list(range(rank)):
        raise ShapeError(
            f"{label}: argument '{arg}' is {perm}; expected a permutation of {tuple(range(rank))} for a rank-{rank} input"
        )


def reshape_dims(label: str, in_shape: tuple[DimLike, ...], dims: tuple[DimLike, ...],
                 zero_is_placeholder: bool) -> tuple[DimLike, ...]:
    """The output shape of TensorRT's reshape of ``in_shape`` to ``dims`` (0 and -1 resolved; dims that
    are Dims are taken as they are)."""
    out: list[DimLike] = []
    infer_at = None
    for i, d in enumerate(dims):
        if isinstance(d, Dim):
            out.append(d)
        elif d == -1:
            if infer_at is not None:
                raise ShapeError(f"{label}: reshape dims {dims} have more than one -1")
            infer_at = i
            out.append(-1)
        elif d == 0 and zero_is_placeholder:
            if i >= len(in_shape):
                raise ShapeError(f"{label}: reshape dims {dims} have 0 at index {i}, past the input's rank {len(in_shape)}")
            out.append(in_shape[i])
        elif d < 0:
            raise ShapeError(f"{label}: reshape dims {dims} contain {d}; expected dims >= 0 or a single -1")
        else:
            out.append(d)
    vin = volume(in_shape)
    known = volume(tuple(d for d in out if not (isinstance(d, int) and d == -1)))
    if infer_at is not None:
        if known == 0:
            raise ShapeError(f"{label}: cannot infer the -1 in reshape dims {dims}: the other dims have volume 0")
        if isinstance(vin, int) and isinstance(known, int) and vin % known:
            raise ShapeError(f"{label}: cannot reshape {_text(in_shape)} to {dims}: volume {vin} is not a multiple of {known}")
        from trtdsl.shapes.algebra import quotient

        out[infer_at] = quotient(vin, known)
    else:
        from trtdsl.shapes.algebra import never_equal

        if never_equal(vin, known):  # two ints that differ, or batch*4 against 15, at every size
            raise ShapeError(f"{label}: cannot reshape {_text(in_shape)} (volume {vin}) to {dims} (volume "
                             f"{known})"
                             + ("" if isinstance(vin, int) and isinstance(known, int) else
                                ", at any size of its dims"))
    return tuple(out)


def _text(shape: tuple[DimLike, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


@attrs.frozen
class Shuffle(Op):
    """``np.transpose(np.transpose(x, first).reshape(dims), second)`` with TensorRT's 0/-1 rules.

    A dynamic reshape takes its dims as input 1, a 1-D int32/int64 shape tensor read when the network
    runs (with the same 0/-1 rules); ``reshape`` then holds the reshaped dims as the IR knows them
    (see :func:`dynamic_reshape_dims`)."""

    kind = "Shuffle"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.reshape`, `td.transpose`, `td.shuffle`; `Tensor.reshape`, `Tensor.transpose`, `Tensor.T`",
        "`IShuffleLayer`",
        "One layer does transpose, reshape, transpose. In `td.shuffle`'s reshape dims, `0` copies the "
        "input dim (TensorRT's placeholder); `td.reshape` keeps NumPy's meaning (`0` is a zero-length "
        "dim). Reshape dims computed from dynamic dims (`(x.shape[0] * 2, -1)`) or given as a shape "
        "tensor are input 1, read when the network runs.",
        "NvInfer.h `IShuffleLayer`; permutation: onnx-tensorrt (*indirect*)",
    )
    input_names = ("data", "reshape dims?")
    first_transpose: tuple[int, ...] | None = attrs.field(default=None, converter=_opt_tuple,
                                                          metadata=ir(unless_none=True))
    reshape: tuple[DimLike, ...] | None = attrs.field(default=None, converter=_opt_dims, metadata=ir(unless_none=True))
    second_transpose: tuple[int, ...] | None = attrs.field(default=None, converter=_opt_tuple,
                                                           metadata=ir(unless_none=True))
    zero_is_placeholder: bool = attrs.field(default=True, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        dims_input = inputs.all[1]
        label = self.label()
        shape = x.shape
        if self.first_transpose is not None:
            _check_perm(label, "first_transpose", self.first_transpose, len(shape))
            shape = tuple(shape[p] for p in self.first_transpose)
        if dims_input is not None:
            shape = self._dynamic_shape(label, shape, dims_input)
        elif self.reshape is not None:
            if not all(isinstance(d, int) for d in self.reshape):
                raise bad_argument(label, "reshape", self.reshape, "ints (dynamic dims come as input 1, a shape tensor)",
                                   ShapeError)
            shape = reshape_dims(label, shape, self.reshape, self.zero_is_placeholder)
        if self.second_transpose is not None:
            _check_perm(label, "second_transpose", self.second_transpose, len(shape))
            shape = tuple(shape[p] for p in self.second_transpose)
        return (TensorType(x.dtype, shape),)

    def _dynamic_shape(self, label: str, shape: tuple[DimLike, ...], dims: TensorType) -> tuple[DimLike, ...]:
        if self.reshape is None:
            raise ArgumentError(f"{label}: a reshape by input 1 needs 'reshape', the reshaped dims as the IR knows them")
        dims.check_shape_vector(f"{label}: input 'reshape dims'", len(self.reshape))
        for d in self.reshape:
            if isinstance(d, int) and d < 0:
                raise bad_argument(label, "reshape", self.reshape, "the reshaped dims (ints >= 0 and dims)", ShapeError)
        vin, vout = volume(shape), volume(self.reshape)
        if isinstance(vin, int) and isinstance(vout, int) and vin != vout:
            raise ShapeError(f"{label}: cannot reshape {_text(shape)} (volume {vin}) to {_text(self.reshape)} "
                             f"(volume {vout})")
        return self.reshape

    def reference(self, x: np.ndarray, dims: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        if self.first_transpose is not None:
            x = np.transpose(x, self.first_transpose)
        if dims is not None:
            x = x.reshape(self._target(x.shape, tuple(int(d) for d in dims), "read when the network ran "))
        elif self.reshape is not None:
            static = static_shape(self.reshape)
            try:
                x = x.reshape([x.shape[i] if d == 0 and self.zero_is_placeholder else d
                               for i, d in enumerate(static)])
            except ValueError:  # NumPy's words for it ("cannot reshape array of size 0"): TensorRT's rule's
                self._target(x.shape, static, "")
                raise
        if self.second_transpose is not None:
            x = np.transpose(x, self.second_transpose)
        return (x,)

    def _target(self, shape: tuple[int, ...], dims: tuple[int, ...], how: str) -> tuple[int, ...]:
        """The dims ``shape`` is reshaped to by ``dims`` (TensorRT's 0 and -1 rules), or a ValueError saying
        why there are none, reported as this layer's failure with its name and line."""
        try:
            return cast("tuple[int, ...]", reshape_dims(self.label(), shape, dims, self.zero_is_placeholder))
        except ShapeError as exc:
            raise ValueError(f"the reshape dims {list(dims)} {how}are invalid for the input's shape {shape}: "
                             f"{exc.message}") from None


def dynamic_reshape_dims(label: str, in_shape: tuple[DimLike, ...], dims: Tensor, zero_is_placeholder: bool,
                         source: str) -> tuple[DimLike, ...]:
    """The dims of a reshape of ``in_shape`` by the shape tensor ``dims`` as the IR knows them: the
    values of ``dims`` (:func:`trtdsl.shapes.values.value_of`) with TensorRT's 0/-1 rules applied. An
    element known only when the network runs gives the dim ``reshape(%<source>,%<dims>)[i]``, bound
    when the network runs, unless it can only be a size (no 0 placeholders and an explicit -1 elsewhere)."""
    from trtdsl.shapes.values import is_value_symbol, value_of

    values = value_of(dims) or ()
    # with an explicit -1 and no 0 placeholders, a value read at run time can only be a size
    sizes_only = not zero_is_placeholder and -1 in [v for v in values if isinstance(v, int)]
    resolved = tuple(
        Dim.symbol(f"reshape(%{source},%{dims.name})[{i}]")
        if isinstance(v, Dim) and not sizes_only and any(is_value_symbol(s) for s in v.symbols()) else v
        for i, v in enumerate(values)
    )
    return reshape_dims(label, in_shape, resolved, zero_is_placeholder)


def shuffle(x: Tensor, first_transpose: Sequence[int] | None = None, reshape: Any = None,
            second_transpose: Sequence[int] | None = None, *, zero_is_placeholder: bool = True,
            name: str | None = None) -> Tensor:
    """One IShuffleLayer: transpose, reshape, transpose (each optional), with TensorRT's placeholders in
    the reshape dims (0 copies the input dim at that index, -1 is inferred). ``reshape`` may hold dims
    of ``x.shape`` (and other dynamic dims) or be a shape tensor: it is then the layer's input 1.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("sh")
    >>> x = net.input("x", td.float32, ("n", 6))
    >>> y = td.shuffle(x, reshape=td.shape_of(x)[::-1])   # TensorRT reads the dims when it runs
    >>> y.shape
    (6, Dim('n'))
    >>> net.output("y", y)
    >>> net.run({"x": np.arange(12, dtype=np.float32).reshape(2, 6)})["y"].shape
    (6, 2)
    """
    x = expect_tensor("shuffle", "x", x)
    for arg, perm in (("first_transpose", first_transpose), ("second_transpose", second_transpose)):
        if isinstance(perm, Tensor):  # a permutation is static: its values are needed to build the network
            raise bad_argument("shuffle", arg, perm, "a sequence of ints (or None)")
    if reshape is not None and _is_dynamic(reshape):
        from trtdsl.shapes.rules import use_as_shape

        first = _opt_tuple(first_transpose)
        moved = x.shape
        if first is not None:
            _check_perm("Shuffle", "first_transpose", first, x.ndim)
            moved = tuple(x.shape[p] for p in first)
        dims = shape_arg("shuffle", "reshape", reshape, x.network).tensor
        assert dims is not None
        use_as_shape("shuffle", dims, "reshape")
        out = dynamic_reshape_dims("Shuffle", moved, dims, bool(zero_is_placeholder), x.name)
        op = Shuffle(first, out, second_transpose, bool(zero_is_placeholder))
        return x.network.add1(op, (x, dims), name=name)
    try:
        op = Shuffle(first_transpose, reshape, second_transpose, bool(zero_is_placeholder))
    except TypeError:
        raise bad_argument("shuffle", "reshape/first_transpose/second_transpose",
                           (first_transpose, reshape, second_transpose), "sequences of ints") from None
    return x.network.add1(op, (x,), name=name)


def _is_dynamic(shape: Any) -> bool:
    """Whether a shape argument needs a shape tensor: a tensor, or a sequence holding one or a Dim."""
    if isinstance(shape, (Tensor, Dim)):
        return True
    return isinstance(shape, (tuple, list)) and any(isinstance(d, (Tensor, Dim)) for d in shape)


@ir_function
def reshape(x: Tensor, shape: Any, *, name: str | None = None) -> Tensor:
    """``x.reshape(shape)`` with NumPy's meaning: ``-1`` is inferred and ``0`` is a zero-length dim.

    ``shape`` holds ints, dims of ``x.shape`` or of other tensors and expressions of them
    (``(x.shape[0] * 2, -1)``), 0-D integer tensors, or is a 1-D integer shape tensor
    (``td.shape_of(y)``). A dim of ``x.shape`` at its own index is kept through TensorRT's 0
    placeholder; other dynamic dims make the layer's input 1, a shape tensor computed when the
    network runs (from td.shape_of, gathers and arithmetic: see trtdsl.shapes).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("r")
    >>> x = net.input("x", td.float32, ("batch", 6))
    >>> y = td.reshape(x, (x.shape[0] * 2, -1))
    >>> y.shape
    (Dim('batch*2'), 3)
    >>> net.output("y", y)
    >>> net.run({"x": np.arange(12, dtype=np.float32).reshape(2, 6)})["y"].shape   # x.reshape(4, 3)
    (4, 3)
    """
    x = expect_tensor("reshape", "x", x)
    if isinstance(shape, Tensor):
        return _dynamic_reshape(x, shape, name)
    if isinstance(shape, (int, np.integer, Dim)):
        items = (shape,)
    elif isinstance(shape, (list, tuple, np.ndarray)):
        items = tuple(shape)
    else:
        raise bad_argument("reshape", "shape", shape, "a sequence of ints (and -1 once), dims or 0-D integer "
                           "tensors, or a 1-D integer shape tensor")
    for d in items:
        if not isinstance(d, (Dim, Tensor)) and (isinstance(d, bool) or not isinstance(d, (int, np.integer))):
            raise bad_argument("reshape", "shape", items, "ints (and -1 once), dims or 0-D integer tensors")
    dynamic = [i for i, d in enumerate(items) if isinstance(d, (Dim, Tensor))]
    has_zero = any(isinstance(d, (int, np.integer)) and d == 0 for d in items)
    own = all(isinstance(items[i], Dim) and i < x.ndim and x.shape[i] == items[i] for i in dynamic)
    if dynamic and (has_zero or not own):
        return _dynamic_reshape(x, items, name)
    dims = tuple(0 if isinstance(d, Dim) else int(d) for d in items)
    return x.network.add1(Shuffle(reshape=dims, zero_is_placeholder=not has_zero), (x,), name=name)


def _dynamic_reshape(x: Tensor, shape: Any, name: str | None) -> Tensor:
    from trtdsl.shapes.rules import use_as_shape

    arg = shape_arg("reshape", "shape", shape, x.network)
    if arg.tensor is None:  # every dim static after all (e.g. a constant shape tensor)
        return reshape(x, arg.dims, name=name)
    use_as_shape("reshape", arg.tensor, "shape")
    out = dynamic_reshape_dims("Shuffle", x.shape, arg.tensor, False, x.name)
    return x.network.add1(Shuffle(reshape=out, zero_is_placeholder=False), (x, arg.tensor), name=name)


@ir_function
def transpose(x: Tensor, perm: Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``np.transpose(x, perm)`` (reversed dims when ``perm`` is None)."""
    x = expect_tensor("transpose", "x", x)
    if perm is None:
        order = tuple(reversed(range(x.ndim)))
    elif isinstance(perm, (list, tuple, np.ndarray)):
        order = tuple(perm)
    else:
        raise bad_argument("transpose", "perm", perm, f"a permutation of range({x.ndim}) (or None)")
    return shuffle(x, first_transpose=order, name=name)
