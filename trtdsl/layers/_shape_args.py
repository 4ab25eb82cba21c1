"""Shape values made into shape tensors: the layers that compute dynamic dims when the network runs.

``x.shape`` is a tuple of ints and symbolic :class:`~trtdsl.Dim`; it costs nothing. A layer that needs
a dynamic size as a tensor (a reshape to ``(batch*2, -1)``, a slice of size ``seq-1``) gets it from
:func:`shape_tensor`: static runs of ints become one constant, each dim ``d`` of a tensor ``x`` becomes
``gather(_shape_of(x), [axis])``, expressions become ElementWise layers (``+ - * //``), and the pieces are
concatenated into one 1-D int64 tensor -- what TensorRT's IShapeLayer, IGatherLayer, IElementWiseLayer
and IConcatenationLayer compute on the host. Each Shape layer and each dim is made once per network (at
the top level; inside a loop or conditional being defined they are made again where used).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("m")
>>> x = net.input("x", td.float32, ("batch", 3, 4))
>>> s = shape_tensor(net, (x.shape[0] * 2, 6))
>>> [n.op.label() for n in net.nodes]
['Shape', 'Constant', 'Gather[DEFAULT]', 'Constant', 'ElementWise[PROD]', 'Constant', 'Concatenation']
>>> net.output("s", s)
>>> net.run({"x": np.zeros((5, 3, 4), np.float32)})["s"]
array([10,  6])
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import MAX_DIM, Dim, DimLike, network_of_dims
from trtdsl.ir.network import MAX_RANK, Network
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import Cast
from trtdsl.layers.concat import Concatenation
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation, mod
from trtdsl.layers.gather import Gather
from trtdsl.layers.shape import Shape
from trtdsl.layers.squeeze import Squeeze, Unsqueeze
from trtdsl.shapes.values import is_value_symbol, owner, value_of


@attrs.define
class _Made:
    """The tensors already made in one network, reused at the top level: the Shape layer of a tensor,
    the tensor of a dim, int64 constants, and shape tensors of dims."""

    shapes: dict[Tensor, Tensor] = attrs.Factory(dict)
    dims: dict[DimLike, Tensor] = attrs.Factory(dict)
    ints: dict[tuple[int, ...], Tensor] = attrs.Factory(dict)
    vectors: dict[tuple[DimLike, ...], Tensor] = attrs.Factory(dict)


_OPERATIONS = {"+": "SUM", "-": "SUB", "*": "PROD", "//": "FLOOR_DIV"}

Item = Any  # an int, a Dim, or a 0-D / one-element integer Tensor


@attrs.frozen(eq=False)
class ShapeArg:
    """A shape argument as a layer uses it: ``dims`` (one per element, as the IR knows them) and, when
    some dim is dynamic, ``tensor``, the 1-D integer shape tensor holding them at run time."""

    dims: tuple[DimLike, ...]
    tensor: Tensor | None

    @property
    def is_static(self) -> bool:
        return self.tensor is None


def shape_arg(
    fn: str, arg: str, value: Any, network: Network | None = None, *, length: int | None = None
) -> ShapeArg:
    """``value`` -- a sequence of ints, dims of ``x.shape`` and 0-D integer tensors, or a 1-D integer
    tensor (a shape tensor such as ``td.shape_of(y)``) -- as a :class:`ShapeArg`. ``network`` is where
    dynamic dims are computed (needed when ``value`` holds dims but no tensor); ``length``, if given, is
    the number of elements expected.

    >>> import trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, ("n", 4))
    >>> shape_arg("f", "shape", (2, 3)).dims, shape_arg("f", "shape", (2, 3)).tensor
    ((2, 3), None)
    >>> shape_arg("f", "shape", (x.shape[0] - 1, 4), net).dims
    (Dim('n-1'), 4)
    """
    if isinstance(value, Tensor):
        value.type.check_shape_vector(f"{fn}: argument '{arg}' (%{value.name})", length)
        dims = value_of(value)
        assert dims is not None
        # a tensor whose values are all known (a constant) is a static argument
        return ShapeArg(dims, None if all(isinstance(d, int) for d in dims) else value)
    items = _items(fn, arg, value)
    if length is not None and len(items) != length:
        raise ShapeError(f"{fn}: argument '{arg}' is {_text(items)}; expected {length} dims")
    if all(isinstance(i, int) for i in items):
        return ShapeArg(tuple(items), None)
    where = (
        network if network is not None else next((i.network for i in items if isinstance(i, Tensor)), None)
    )
    if where is None:
        where = network_of_dims(items)
    if where is None:
        raise ArgumentError(
            f"{fn}: argument '{arg}' ({_text(items)}) holds dynamic dims but no tensor tells which "
            "network computes them; pass like=<a tensor of the network>"
        )
    tensor = shape_tensor(where, items)
    return ShapeArg(value_of(tensor), tensor)  # type: ignore[arg-type]


def _items(fn: str, arg: str, value: Any) -> list[Item]:
    if isinstance(value, (int, np.integer, Dim)) and not isinstance(value, (bool, np.bool_)):
        value = (value,)
    expected = (
        "a sequence of ints >= -1, dims of x.shape and 0-D integer tensors, or a 1-D integer shape tensor"
    )
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise bad_argument(fn, arg, value, expected)
    if len(value) > MAX_RANK:
        raise ShapeError(
            f"{fn}: argument '{arg}' is {_text(list(value))}; expected at most {MAX_RANK} dims "
            "(TensorRT's maximum rank)"
        )
    items: list[Item] = []
    for v in value:
        if isinstance(v, Tensor):
            if v.dtype not in (dtypes.int32, dtypes.int64) or v.shape not in ((), (1,)):
                cls = DTypeError if v.dtype not in (dtypes.int32, dtypes.int64) else ShapeError
                raise cls(
                    f"{fn}: argument '{arg}' holds %{v.name} ({v.type}); a dim given as a tensor is a 0-D or "
                    "one-element int32/int64 tensor"
                )
            items.append(v)
        elif isinstance(v, Dim):
            items.append(v)
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            if not -MAX_DIM - 1 <= v <= MAX_DIM:
                raise ShapeError(f"{fn}: argument '{arg}' holds {v}; a dim is at most {MAX_DIM} in magnitude "
                                 "(TensorRT's dims are int64)")
            items.append(operator.index(v))
        else:
            raise bad_argument(fn, arg, value, expected)
    return items


def _text(items: Sequence[Any]) -> str:
    return (
        "("
        + ", ".join(f"%{i.name}" if isinstance(i, Tensor) else str(i) for i in items)
        + ("," if len(items) == 1 else "")
        + ")"
    )


def shape_tensor(network: Network, items: Sequence[Item]) -> Tensor:
    """The 1-D int64 tensor holding ``items`` (ints, dims, 0-D or one-element integer tensors); made once
    per network at the top level when ``items`` holds no tensor.

    >>> import trtdsl as td
    >>> net = td.Network("s")
    >>> x = net.input("x", td.float32, ("n", 3))
    >>> t = shape_tensor(net, (2, x.shape[0] - 1, 3))
    >>> t.type, value_of(t)
    (TensorType(dtype=td.int64, shape=(3,)), (2, Dim('n-1'), 3))
    """
    made = _made(network)
    key = tuple(items) if made is not None and not any(isinstance(i, Tensor) for i in items) else None
    if key is not None and key in made.vectors:  # type: ignore[union-attr]
        return made.vectors[key]  # type: ignore[union-attr]
    found = _shape_tensor(network, items)
    if key is not None:
        made.vectors[key] = found  # type: ignore[union-attr]
    return found


def _shape_tensor(network: Network, items: Sequence[Item]) -> Tensor:
    pieces: list[Tensor] = []
    run: list[int] = []
    for item in items:
        if isinstance(item, int):
            run.append(item)
            continue
        if run:
            pieces.append(_ints(network, run))
            run = []
        pieces.append(_element(item) if isinstance(item, Tensor) else dim_tensor(network, item))
    if run or not pieces:
        pieces.append(_ints(network, run))
    if len(pieces) == 1:
        return pieces[0]
    return network.add1(Concatenation(0), pieces)


def _ints(network: Network, values: Sequence[int]) -> Tensor:
    """A 1-D int64 constant, made once per network at the top level."""
    made = _made(network)
    key = tuple(values)
    if made is not None and key in made.ints:
        return made.ints[key]
    found = network.constant(np.asarray(values, np.int64).reshape(len(values)))
    if made is not None:
        made.ints[key] = found
    return found


def _element(t: Tensor) -> Tensor:
    """A 0-D or one-element integer tensor as a one-element int64 tensor."""
    if t.ndim == 0:
        t = t.network.add1(Unsqueeze((0,)), (t,))
    if t.dtype is not dtypes.int64:
        t = t.network.add1(Cast(dtypes.int64), (t,))
    return t


def dim_tensor(network: Network, dim: DimLike) -> Tensor:
    """The one-element int64 tensor holding ``dim`` when the network runs.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("d")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("d", dim_tensor(net, x.shape[0] * 2 + 1))
    >>> net.run({"x": np.zeros(4, np.float32)})["d"]
    array([9])
    """
    made = _made(network)
    if made is not None and dim in made.dims:
        return made.dims[dim]
    if isinstance(dim, int):
        found = _ints(network, [dim])
    elif dim.is_symbol:
        found = _symbol(network, dim.args[0])
    elif dim.op == "%":
        found = mod(dim_tensor(network, dim.args[0]), dim_tensor(network, dim.args[1]))
    else:
        a, b = (dim_tensor(network, d) for d in dim.args)
        found = network.add1(ElementWise(ElementWiseOperation[_OPERATIONS[dim.op]]), (a, b))
    if made is not None:
        made.dims[dim] = found
    return found


def dim_scalar(network: Network, dim: DimLike) -> Tensor:
    """The 0-D int64 tensor holding ``dim`` when the network runs (a count, a bound, TopK's k):
    :func:`dim_tensor` squeezed.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("d")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("d", dim_scalar(net, x.shape[0] - 1))
    >>> net.run({"x": np.zeros(4, np.float32)})["d"]
    array(3)
    """
    return network.add1(Squeeze((0,)), (dim_tensor(network, dim),))


def _made(network: Network) -> _Made | None:
    """The network's reusable tensors, or None while a loop or conditional is being defined."""
    if network._scopes:
        return None
    found: _Made | None = network._records.get("made for shapes")
    if found is None:
        found = network._records["made for shapes"] = _Made()
    return found


def _symbol(network: Network, name: str) -> Tensor:
    found = owner(network, name) if is_value_symbol(name) else None
    if found is not None:
        t, index = found
        return _element(t) if t.ndim == 0 else _gather(network, t, index)
    source = _find_dim(network, name)
    if source is None:
        raise ShapeError(
            f"the dim {name} is not a dim of any tensor of network {network.name!r}, so no layer can "
            "compute it"
        )
    t, axis = source
    return _gather(network, _shape_of(t), axis)


def _gather(network: Network, t: Tensor, index: int) -> Tensor:
    return _element(network.add1(Gather(0), (t, _ints(network, [index]))))


def _shape_of(t: Tensor) -> Tensor:
    """``td.shape_of(t)``, made once per tensor at the top level."""
    made = _made(t.network)
    if made is not None and t in made.shapes:
        return made.shapes[t]
    found = t.network.add1(Shape(), (t,))
    if made is not None:
        made.shapes[t] = found
    return found


def _find_dim(network: Network, name: str) -> tuple[Tensor, int] | None:
    """A tensor with the named dim as one of its dims, and the axis: a network input's if there is one,
    else the first layer output's."""
    symbol = Dim.symbol(name)
    for t in network.inputs.values():
        for axis, d in enumerate(t.shape):
            if d == symbol:
                return t, axis
    for node in network.nodes:
        for t in node.outputs:
            for axis, d in enumerate(t.shape):
                if d == symbol:
                    return t, axis
    return None
