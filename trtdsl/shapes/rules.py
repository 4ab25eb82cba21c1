"""TensorRT's shape-tensor and execution-tensor rules, checked when a network is defined.

TensorRT runs a dynamic-shape engine ping-pong: it computes *shape tensors* on the host, then runs the
*execution tensors*' layers on the GPU (the TensorRT Developer Guide, "Execution Tensors vs. Shape
Tensors"). Some layer inputs must be shape tensors: a reshape's dims (Shuffle input 1), a slice's start,
size and stride (Slice inputs 1-3), Resize's output dims (input 1), Fill's dims (input 0), a loop
output's length, an assertion's condition, and outputs marked with ``mark_output_for_shapes``. A shape tensor is int32, int64,
bool or float32, with a shape known when the network is built and at most 64 elements.

Layers are polymorphic (``t × t → t``): Concatenation, ElementWise, Gather, Identity, Reduce, Unary,
Activation, Select, MatrixMultiply, Cast and reshapes compute shape tensors from shape tensors. Shape
layers (``t1 → t2``) and constants start them; a Slice with constant parameters (at most 16 elements)
and a LINSPACE Fill with static start and delta also produce them. Where a needed shape tensor comes
from any other layer (a convolution, a NonZero, a reduction of an execution tensor...), TensorRT copies
that value from the GPU to the host and synchronizes: trtdsl warns then, with a
:class:`ShapeSyncWarning` at the user's line. Where TensorRT rejects the network, trtdsl raises:

- a shape argument that is not a 1-D int32/int64 tensor of static length (the rank of the result must
  be known when the network is built), or whose length does not fit the layer;
- an integer average (Reduce AVG) computing a shape tensor;
- a network input feeding a shape computation that is not declared ``shape_tensor=True`` although
  TensorRT would make it a shape-tensor input (which needs values in every optimization profile);
- shape-tensor inputs and outputs that are not int32/int64 of static rank 0 or 1 with <= 64 elements.

:func:`classify` gives every tensor of a network its kinds ("shape", "execution", or both), as
``ITensor.isShapeTensor`` / ``isExecutionTensor`` would once the network is complete.

>>> import warnings, trtdsl as td
>>> net = td.Network("r")
>>> x = net.input("x", td.float32, ("n", 4))
>>> rows = td.cast(td.max(x), td.int64)           # a value the GPU computes
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     y = td.reshape(x, (rows, -1))
>>> print(caught[0].message)   # doctest: +ELLIPSIS
reshape: argument 'shape' depends on %reduce_max_0, computed by Reduce[MAX] (layer reduce_max_0, ...), which
the GPU computes from %x (f32[n,4]): TensorRT copies that value from the GPU to the host and synchronizes ...
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Iterable, cast

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, warn_at_user_line
from trtdsl.ir.dims import Dim, static_shape
from trtdsl.ir.functions import ir_function
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.values import MAX_SHAPE_VOLUME, is_value_symbol

if TYPE_CHECKING:  # the layers are defined above this package: it tells them by kind
    from trtdsl.layers.fill import Fill
    from trtdsl.layers.reduce import Reduce

# Layer kinds whose inputs at these positions (None: every input) are shape tensors when the output is.
POLYMORPHIC: dict[str, tuple[int, ...] | None] = {
    "Activation": None,
    "Unary": None,
    "ElementWise": None,
    "Concatenation": None,
    "Gather": None,
    "Identity": None,
    "Reduce": None,
    "Select": None,
    "MatrixMultiply": None,
    "Cast": None,
    "ConditionalInput": None,
    "ConditionalOutput": None,
    "Shuffle": (0,),
    "Squeeze": (0,),
    "Unsqueeze": (0,),
    "Slice": (0, 4),
}
# Layer kinds whose inputs at these positions must be shape tensors.
SHAPE_INPUTS: dict[str, tuple[int, ...]] = {
    "Shuffle": (1,),
    "Slice": (1, 2, 3),
    "Resize": (1,),
    "Fill": (0,),
    "LoopOutput": (1,),
    "Assertion": (0,),
}
SHAPE_DTYPES = (dtypes.int32, dtypes.int64, dtypes.bool_, dtypes.float32)
SLICE_SHAPE_VOLUME = 16  # a Slice computes shape tensors of at most 2 * MAX_DIMS elements


class UndeclaredShapeInput(ShapeError):
    """A shape computed from network inputs that are not declared shape-tensor inputs (``input_names``),
    which TensorRT would make ones."""

    def __init__(self, message: str, input_names: tuple[str, ...] = (), **options: Any) -> None:
        super().__init__(message, **options)
        self.input_names = input_names


class ShapeSyncWarning(UserWarning):
    """A shape TensorRT needs is computed by GPU layers: the engine copies it to the host and
    synchronizes while it runs (correct, but it stalls the GPU pipeline)."""


# -- types at the network's boundary and at layer inputs ------------------------------------------------
@ir_function
def check_shape_io(what: str, ty: TensorType) -> None:
    """A shape-tensor network input or output: int32/int64, static rank 0 or 1, at most 64 elements.

    Int64 is accepted at the boundary as TensorRT 10 computes shapes in int64. ``markOutputForShapes``
    takes only int32 ("The tensor must be of type DataType::kINT32", NvInfer.h 10.16 and 11.1), so the
    TensorRT lowering casts an int64 shape output to int32.

    >>> import trtdsl as td
    >>> try:
    ...     check_shape_io("input 'k'", td.TensorType(td.int32, (2, 2)))
    ... except td.ShapeError as e:
    ...     print(e.message)
    input 'k': a shape tensor at the network's boundary has rank 0 or 1, not 2 (shape (2, 2))
    """
    if ty.dtype not in (dtypes.int32, dtypes.int64):
        raise DTypeError(
            f"{what}: a shape tensor at the network's boundary is int32 or int64, not {ty.dtype.name}"
        )
    if ty.rank > 1:
        raise ShapeError(
            f"{what}: a shape tensor at the network's boundary has rank 0 or 1, not {ty.rank} "
            f"(shape {ty.shape_text})"
        )
    _check_volume(what, ty)


def _check_volume(what: str, ty: TensorType) -> None:
    """A shape tensor's shape is known when the network is built and has at most 64 elements."""
    if not ty.is_static:
        raise ShapeError(
            f"{what}: a shape tensor's shape is known when the network is built; {ty.shape_text} "
            "has dynamic dims"
        )
    volume = 1
    for d in static_shape(ty.shape):
        volume *= d
    if volume > MAX_SHAPE_VOLUME:
        raise ShapeError(
            f"{what}: a shape tensor has at most {MAX_SHAPE_VOLUME} elements; shape {ty.shape_text} has "
            f"{volume}"
        )


# -- what a shape computation depends on -----------------------------------------------------------------
def _eligible(ty: TensorType) -> bool:
    """Whether a tensor of this type can be a shape tensor (dtype, static shape, volume)."""
    if ty.dtype not in SHAPE_DTYPES or not ty.is_static:
        return False
    volume = 1
    for d in static_shape(ty.shape):
        volume *= d
    return volume <= MAX_SHAPE_VOLUME


def _describe(t: Tensor) -> str:
    node = t.producer
    if node is None:
        return f"input {t.name!r}"
    where = f", {node.location.short}" if node.location is not None else ""
    return f"%{t.name}, computed by {node.op.label()} (layer {node.name}{where})"


def _device_dims(t: Tensor) -> list[str]:
    """The dims of ``t`` known only once GPU layers ran: NonZero counts and plugins' data-dependent sizes."""
    found = []
    for d in t.shape:
        if isinstance(d, Dim):
            found += [s for s in sorted(d.symbols()) if _is_device_symbol(s)]
    return found


def _is_device_symbol(name: str) -> bool:
    """Whether a dim is a size GPU layers compute: a NonZero or NMS count (``nonzero(%x)``,
    ``nms(%boxes,...)``) or a plugin's data-dependent size (``name#k``)."""
    return not is_value_symbol(name) and (name.startswith(("nonzero(", "nms(")) or "#" in name)


class _Walk:
    """The shape computation behind one tensor: the tensors that become shape tensors (``shapes``),
    where it needs a value GPU layers compute (``syncs``: the tensor and why) and what TensorRT rejects
    (``rejected``)."""

    def __init__(self, start: Tensor) -> None:
        self.shapes: list[Tensor] = []
        self.syncs: list[tuple[Tensor, str]] = []
        self.rejected: list[tuple[Tensor, str]] = []
        self._seen: dict[Tensor, None] = {}
        stack = [start]  # depth first, without recursion: shape computations can be thousands of layers long
        while stack:
            stack.extend(reversed(self._visit(stack.pop())))

    def _visit(self, t: Tensor) -> list[Tensor]:
        """Classify ``t``; the tensors its value is computed from, to visit next."""
        if t in self._seen:
            return []
        self._seen[t] = None
        node = t.producer
        if node is None:
            self._input(t)
            return []
        kind = node.op.kind
        if not _eligible(t.type):
            self.syncs.append((t, f"{_describe(t)}, which cannot be a shape tensor ({t.type})"))
            return []
        if kind == "Shape":
            device = _device_dims(node.input(0))
            if device:
                self.syncs.append(
                    (
                        t,
                        f"{_describe(t)}: the dims of %{node.input(0).name} include {device[0]}, "
                        "which GPU layers compute",
                    )
                )
            else:
                self.shapes.append(t)
            return []
        if kind == "Constant" or (
            kind == "Fill"
            and cast("Fill", node.op).operation.name == "LINSPACE"
            and all(i is None for i in node.inputs[1:])
        ):
            self.shapes.append(t)
            return []
        positions = POLYMORPHIC.get(kind, ())
        if kind == "Slice" and (
            any(i is not None for i in node.inputs[1:4]) or not _small(t, SLICE_SHAPE_VOLUME)
        ):
            positions = ()
        if positions == ():
            self.syncs.append((t, f"{_describe(t)}, which the GPU computes"))
            return []
        sources = [
            i for k, i in enumerate(node.inputs) if i is not None and (positions is None or k in positions)
        ]
        wide = next((i for i in sources if not _eligible(i.type)), None)
        if wide is not None:
            self.syncs.append(
                (
                    t,
                    f"{_describe(t)}, which the GPU computes from %{wide.name} ({wide.type}, too large "
                    "for a shape tensor)"
                    if wide.type.is_static and wide.dtype in SHAPE_DTYPES
                    else f"{_describe(t)}, which the GPU computes from %{wide.name} ({wide.type})",
                )
            )
            return []
        if kind == "Reduce" and cast("Reduce", node.op).op.name == "AVG" and t.dtype.is_integer:
            self.rejected.append(
                (
                    t,
                    f"{_describe(t)}; TensorRT does not compute an integer average (Reduce AVG) as "
                    "a shape tensor (use td.sum and //)",
                )
            )
            return []
        self.shapes.append(t)
        return sources

    def _input(self, t: Tensor) -> None:
        if t.name in t.network.shape_inputs:
            self.shapes.append(t)
            return
        if t.dtype in (dtypes.int32, dtypes.int64) and t.ndim <= 1 and _eligible(t.type):
            spec = f"net.input({t.name!r}, td.{t.dtype.name}, {t.type.shape_text}, shape_tensor=True)"
            self.rejected.append(
                (
                    t,
                    f"input {t.name!r} ({t.type}), which TensorRT then makes a shape-tensor input "
                    f"whose values every optimization profile must give: declare it with {spec} and "
                    "give its (min, opt, max) values in net.add_profile",
                )
            )
            return
        self.syncs.append((t, f"input {t.name!r} ({t.type}), an execution input"))


def _small(t: Tensor, limit: int) -> bool:
    volume = 1
    for d in static_shape(t.shape):
        volume *= d
    return volume <= limit


@ir_function
def use_as_shape(fn: str, t: Tensor, arg: str | None = None) -> None:
    """Check that ``t`` may be computed as a shape tensor for ``fn`` (raise where TensorRT rejects it)
    and warn where TensorRT would synchronize to compute it (:class:`ShapeSyncWarning`).

    >>> import warnings, trtdsl as td
    >>> net = td.Network("u")
    >>> x = net.input("x", td.float32, ("n", 4))
    >>> use_as_shape("example", td.shape_of(x) * 2)           # computed on the host: nothing to say
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     use_as_shape("example", td.cast(td.max(x), td.int64))
    >>> caught[0].category.__name__
    'ShapeSyncWarning'
    """
    # the tensors already checked as shape computations: each warning is given once
    checked: dict[Tensor, None] = t.network._records.setdefault("checked as shapes", {})
    if t in checked:
        return
    walk = _Walk(t)
    what = f"{fn}: argument '{arg}'" if arg is not None else fn
    if walk.rejected:
        source, why = walk.rejected[0]
        inputs = tuple(r.name for r, _ in walk.rejected if r.producer is None and r.name in r.network.inputs)
        if inputs and inputs[0] == source.name:
            raise UndeclaredShapeInput(f"{what} depends on {why}", inputs)
        raise ShapeError(f"{what} depends on {why}")
    checked[t] = None
    for source, why in walk.syncs:
        if source in checked and source is not t:
            continue
        checked[source] = None
        warn_at_user_line(
            f"{what} depends on {why}: TensorRT copies that value from the GPU to the host and synchronizes "
            "before it computes the shape (compute shapes from td.shape_of, constants and shape-tensor "
            "inputs to avoid it)",
            ShapeSyncWarning,
        )


# -- the whole network -----------------------------------------------------------------------------------
SHAPE = "shape"
EXECUTION = "execution"


def classify(network: Network) -> dict[Tensor, frozenset[str]]:
    """Every tensor's kinds by TensorRT's inference rules: "shape" for the shape tensors, "execution"
    for the tensors the GPU layers compute or read (a tensor may be both).

    >>> import trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, ("n", 6))
    >>> y = td.reshape(x, (x.shape[0] * 2, 3))
    >>> net.output("y", y)
    >>> dims = y.producer.inputs[1]          # the shape tensor: [n*2, 3]
    >>> kinds = classify(net)
    >>> sorted(kinds[dims]), sorted(kinds[x]), sorted(kinds[y])
    (['shape'], ['execution'], ['execution'])
    """
    expect_network("classify", network)
    shape: dict[Tensor, None] = {}
    execution: dict[Tensor, None] = {}
    for name in network.shape_outputs:
        shape.update(dict.fromkeys(_Walk(network.outputs[name]).shapes))
    for name, out in network.outputs.items():
        if name not in network.shape_outputs:
            execution[out] = None
    for node in network.nodes:
        shape_positions = SHAPE_INPUTS.get(node.op.kind, ())
        for index, t in enumerate(node.inputs):
            if t is None:
                continue
            if index in shape_positions:
                walk = _Walk(t)
                shape.update(dict.fromkeys(walk.shapes))
                execution.update(dict.fromkeys(s for s, _ in walk.syncs))
            elif node.op.kind not in POLYMORPHIC:
                execution[t] = None
    _spread_execution(network, execution)
    kinds: dict[Tensor, frozenset[str]] = {}
    for t in _tensors(network):
        found = ({SHAPE} if t in shape else set()) | (
            {EXECUTION} if t in execution or t not in shape else set()
        )
        kinds[t] = frozenset(found)
    return kinds


def _spread_execution(network: Network, execution: dict[Tensor, None]) -> None:
    """Polymorphic layers computing execution tensors read execution tensors (backwards, to a fixed point)."""
    for node in reversed(network.nodes):
        positions = POLYMORPHIC.get(node.op.kind, ())
        if positions == () or not any(t in execution for t in node.outputs):
            continue
        for index, t in enumerate(node.inputs):
            if t is not None and (positions is None or index in positions):
                execution[t] = None


def _tensors(network: Network) -> Iterable[Tensor]:
    yield from network.inputs.values()
    for node in network.nodes:
        yield from node.outputs


def shape_input_names(network: Network) -> list[str]:
    """The network inputs TensorRT makes shape-tensor inputs: int32/int64 inputs of static rank <= 1 and
    at most 64 elements whose values a shape computation reads (as ``ITensor.isShapeTensor`` tells of a
    complete network). A network raised from TensorRT declares them so.

    >>> import trtdsl as td
    >>> net = td.Network("s")
    >>> x = net.input("x", td.float32, (12,))
    >>> dims = net.input("dims", td.int32, (2,))
    >>> net.output("y", x.network.add1(td.ops.Shuffle(reshape=(3, 4)), (x, dims)))
    >>> shape_input_names(net)
    ['dims']
    """
    expect_network("shape_input_names", network)
    found: dict[str, None] = {}
    for seed in _shape_seeds(network):
        walk = _Walk(seed)
        for t in walk.shapes + [r for r, _ in walk.rejected]:
            if (
                t.producer is None
                and t.dtype in (dtypes.int32, dtypes.int64)
                and t.ndim <= 1
                and _eligible(t.type)
            ):
                found[t.name] = None
    return list(found)


def _shape_seeds(network: Network) -> list[Tensor]:
    """The tensors that must be shape tensors: shape outputs and the shape inputs of layers."""
    seeds: list[Tensor] = [network.outputs[n] for n in sorted(network.shape_outputs)]
    for node in network.nodes:
        seeds += [
            t for i, t in enumerate(node.inputs) if t is not None and i in SHAPE_INPUTS.get(node.op.kind, ())
        ]
    return seeds


def sync_points(network: Network) -> list[tuple[Tensor, str]]:
    """Where the network's shape computations need values computed on the GPU: (tensor, why) pairs.

    >>> import warnings, trtdsl as td
    >>> net = td.Network("p")
    >>> x = net.input("x", td.float32, ("n",))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     net.output("r", td.arange(td.nonzero(x).shape[1], like=x))
    >>> [t.name for t, _ in sync_points(net)]
    ['shape_0']
    """
    expect_network("sync_points", network)
    found: dict[Tensor, str] = {}
    for seed in _shape_seeds(network):
        for t, why in _Walk(seed).syncs:
            found.setdefault(t, why)
    return list(found.items())


__all__ = [
    "EXECUTION",
    "SHAPE",
    "ShapeSyncWarning",
    "check_shape_io",
    "classify",
    "shape_input_names",
    "sync_points",
    "use_as_shape",
]
