"""Plugin definitions: one Python class per plugin, with its attributes, its shape/dtype rule, its NumPy
reference and (optionally) its GPU kernels.

``@td.plugin("namespace::name")`` defines a new plugin, built into engines through TensorRT's Python
plugin API (``tensorrt.plugin``). ``@td.registry_plugin(name, version=..., namespace=...)`` describes a
plugin that already exists in TensorRT's plugin registry (a built-in one, or one loaded from a library),
giving it a NumPy reference so that networks using it run on the CPU too. Both keep the class in one
registry, keyed by (namespace, name, version): a second, different class with the same key is an error.

A plugin class declares:

- attributes as annotated class fields (``limit: float = 6.0``), typed and checked on instantiation;
- ``shape(self, *inputs)``: from the inputs' :class:`~trtdsl.TensorType` (dtype and shape, dims are
  ints or symbolic :class:`~trtdsl.Dim`) to the outputs' TensorTypes: one, or a tuple of them. A size
  known only when the plugin runs is declared with :func:`data_dependent_dim`;
- ``reference(self, *arrays)``: the NumPy computation, returning one array or a tuple of arrays of
  exactly the dtypes and shapes the shape rule declares (checked on every run);
- optionally ``input_dtypes``: a class-level dict from input name to the dtypes it accepts, or to
  ``"same as <other input>"``;
- optionally ``kernel(self, *inputs, *outputs, stream)`` and ``aot(self, *inputs, *outputs)``: the GPU
  implementations (see :mod:`trtdsl.backends.tensorrt.plugins` and ``docs/plugins.md``).

>>> import numpy as np, trtdsl as td
>>> @td.plugin("doc::scaled_relu")
... class ScaledRelu:
...     scale: float = 2.0
...     input_dtypes = {"x": (td.float32, td.float16)}
...     def shape(self, x):
...         return x
...     def reference(self, x):
...         return (np.maximum(x, 0) * self.scale).astype(x.dtype)
>>> net = td.Network("p")
>>> x = net.input("x", td.float32, (3,))
>>> net.output("y", ScaledRelu(scale=3.0)(x))
>>> net.run({"x": np.array([-1.0, 0.5, 2.0], np.float32)})["y"]
array([0. , 1.5, 6. ], dtype=float32)
"""

from __future__ import annotations

import contextvars
import inspect
import itertools
import re
import typing
from typing import Any, Callable, ClassVar, Mapping, Sequence, TypeVar

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import (
    ArgumentError,
    DSLError,
    DTypeError,
    ExecutionError,
    Location,
    ShapeError,
    shown,
    user_location,
)
from trtdsl.ir.dims import Dim, DimLike, dim_tuple, int_tuple, static_dim
from trtdsl.ir.network import MAX_RANK
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor
from trtdsl.plugins.attributes import AttrType

T = TypeVar("T", bound=type)

# tensorrt.plugin reserves these namespaces and attribute names; TensorRT's ONNX parser reads the
# plugin_* / aot / shape-input attributes of a plugin node itself.
RESERVED_NAMESPACES = frozenset({"", "trt", "tensorrt", "std"})
RESERVED_NAMES = frozenset(
    {
        "outputs",
        "stream",
        "tactic",
        "plugin_namespace",
        "plugin_version",
        "aot",
        "tensorrt_plugin_shape_input_indices",
        "input_dtypes",
    }
)
METHODS = ("shape", "reference", "kernel", "aot")
_OWN_DUNDERS = ("__init__", "__call__", "__setattr__", "__delattr__")
_SAME_AS = re.compile(r"^same as (\w+)$")

_DEFINITIONS: dict[tuple[str, str, str], PluginDefinition] = {}
_SIZES: contextvars.ContextVar[list[DataDependentSize] | None] = contextvars.ContextVar(
    "plugin_sizes", default=None
)
_SIZE_IDS = itertools.count()


@attrs.frozen
class DataDependentSize:
    """A dim known only when the plugin runs: its symbol, an upper bound and the size to tune for,
    both computed from the inputs' dims."""

    symbol: Dim
    upper_bound: DimLike
    opt: DimLike


@attrs.frozen
class Declared:
    """What a plugin's shape rule declares for given input types."""

    outputs: tuple[TensorType, ...]
    sizes: tuple[DataDependentSize, ...]


@attrs.frozen
class AOTKernel:
    """A compiled GPU kernel that TensorRT launches itself (the ahead-of-time form: engines that hold it
    deserialize without Python).

    TensorRT calls the kernel ``name`` in ``code`` (PTX) with the input pointers, then the ``args`` (int32
    scalars), then the output pointers, on a ``grid`` of ``block``-sized thread blocks with ``shared_mem``
    bytes of dynamic shared memory. ``grid``, ``shared_mem`` and ``args`` are dims: ints or expressions of
    the descriptors' dims that ``aot`` received, so one kernel serves every input shape.

    >>> import trtdsl as td
    >>> x = td.TensorType(td.float32, (td.Dim.symbol("n"),))
    >>> n = x.shape[0]
    >>> AOTKernel("k", ".version 8.0", grid=((n + 255) // 256,), block=(256,), args=(n,)).grid
    (Dim('(n+255)//256'),)
    """

    name: str
    code: str | bytes
    grid: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)
    block: tuple[int, ...] = attrs.field(converter=int_tuple)
    shared_mem: DimLike = 0
    args: tuple[DimLike, ...] = attrs.field(default=(), converter=dim_tuple)


def data_dependent_dim(upper_bound: DimLike, *, opt: DimLike | None = None, name: str = "n") -> Dim:
    """A dim whose size the plugin computes when it runs (for example the number of selected elements),
    to be used inside a plugin's ``shape`` method as a whole output dim.

    ``upper_bound`` (and ``opt``, the size TensorRT tunes for; the bound by default) are computed from the
    inputs' dims. It works like ``np.nonzero``'s result size: the reference returns arrays of whatever
    size it finds, up to ``upper_bound``. In TensorRT it becomes a size tensor output of the plugin.

    >>> import numpy as np, trtdsl as td
    >>> @td.plugin("doc::positives")
    ... class Positives:
    ...     def shape(self, x):
    ...         return td.TensorType(x.dtype, (td.data_dependent_dim(x.shape[0], name="count"),))
    ...     def reference(self, x):
    ...         return x[x > 0]
    >>> net = td.Network("dd")
    >>> y = Positives()(net.input("x", td.float32, (5,)))
    >>> net.output("y", y)
    >>> net.run({"x": np.array([1, -2, 3, -4, 5], np.float32)})["y"]
    array([1., 3., 5.], dtype=float32)
    """
    collecting = _SIZES.get()
    if collecting is None:
        raise DSLError(
            "data_dependent_dim: call it inside a plugin's shape method (it declares a size the plugin "
            "computes when it runs)"
        )
    if not isinstance(name, str) or not name.isidentifier():
        raise ArgumentError(f"data_dependent_dim: argument 'name' is {shown(name)}; expected an identifier")
    taken = {s.symbol for s in collecting}
    bounds = []
    for arg, value in (("upper_bound", upper_bound), ("opt", upper_bound if opt is None else opt)):
        dim = _dim_or_none(value)
        if dim is None or (isinstance(dim, Dim) and any(Dim.symbol(s) in taken for s in dim.symbols())):
            raise ArgumentError(
                f"data_dependent_dim: argument '{arg}' is {shown(value)}; expected an int >= 0 or a dim "
                "computed from the inputs' dims"
            )
        bounds.append(dim)
    symbol = Dim.symbol(f"{name}#{next(_SIZE_IDS)}")
    collecting.append(DataDependentSize(symbol, bounds[0], bounds[1]))
    return symbol


def _dim_or_none(value: Any) -> DimLike | None:
    if isinstance(value, Dim):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= 0:
        return int(value)
    return None


class PluginDefinition:
    """Everything trtdsl knows about one plugin class (kept in the registry, looked up by the IR)."""

    def __init__(
        self, cls: type, name: str, namespace: str, version: str, registry: bool, location: Location | None
    ) -> None:
        self.cls = cls
        self.name = name
        self.namespace = namespace
        self.version = version
        self.registry = registry
        self.location = location
        self.counts: tuple[int, int] | None = None
        # (attribute values, input (dtype, rank)s) -> output (dtype, rank)s, for each use in a network: what
        # TensorRT asks for before it has shapes (tensorrt.plugin's get_output_data_types)
        self.signatures: dict[tuple, tuple[tuple[DType, int], ...]] = {}
        label = self.label
        methods: dict[str, Any] = {}
        for method in METHODS:
            fn = cls.__dict__.get(method)
            if fn is not None and not callable(fn):
                raise ArgumentError(f"{label}: {cls.__qualname__}.{method} must be a method")
            methods[method] = fn
        for method in ("shape", "reference"):
            if methods[method] is None:
                example = "return x" if method == "shape" else "return np.tanh(x)"
                raise ArgumentError(
                    f"{label}: the plugin class {cls.__qualname__} has no {method} method; define "
                    f"{method}(self, x, ...) (e.g. {example})"
                )
        for method in ("kernel", "aot"):
            if registry and methods[method] is not None:
                raise ArgumentError(
                    f"{label}: a registry plugin runs TensorRT's own implementation; remove {method}"
                )
        for dunder in _OWN_DUNDERS:
            if dunder in cls.__dict__:
                raise ArgumentError(
                    f"{label}: the plugin class {cls.__qualname__} defines {dunder}; declare attributes as "
                    "annotated class fields instead (trtdsl writes the constructor)"
                )
        self.shape_fn: Callable = methods["shape"]
        self.reference_fn: Callable = methods["reference"]
        self.kernel_fn: Callable | None = methods["kernel"]
        self.aot_fn: Callable | None = methods["aot"]
        self.inputs = self._parse_inputs()
        self.attributes, self.defaults = self._parse_attributes()
        self.input_dtypes = self._parse_input_dtypes()

    # -- naming ---------------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """``namespace::name`` (just ``name`` when the namespace is empty)."""
        return f"{self.namespace}::{self.name}" if self.namespace else self.name

    @property
    def label(self) -> str:
        """The plugin as error messages name it: its id, and its version unless it is "1"."""
        return self.id if self.version == "1" else f"{self.id} v{self.version}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.name, self.version)

    def __repr__(self) -> str:
        return f"<plugin {self.label} ({self.cls.__qualname__})>"

    # -- parsing the class ----------------------------------------------------------------------------
    def _parse_inputs(self) -> tuple[str, ...]:
        names = _parameters(self.label, self.reference_fn, "reference")
        if not names:
            raise ArgumentError(
                f"{self.label}: reference takes no inputs; a plugin needs at least one input tensor"
            )
        for name in names:
            if name in RESERVED_NAMES:
                raise ArgumentError(f"{self.label}: input name {name!r} is reserved by TensorRT; rename it")
        shape_names = _parameters(self.label, self.shape_fn, "shape")
        if len(shape_names) != len(names):
            raise ArgumentError(
                f"{self.label}: shape takes {len(shape_names)} inputs ({', '.join(shape_names)}) but "
                f"reference takes {len(names)} ({', '.join(names)}); both take the same inputs"
            )
        return names

    def _parse_attributes(self) -> tuple[dict[str, AttrType], dict[str, Any]]:
        own = self.cls.__dict__.get("__annotations__", {})
        try:
            hints = typing.get_type_hints(self.cls)
        except Exception as exc:
            raise ArgumentError(f"{self.label}: cannot resolve the attribute annotations ({exc})") from None
        attributes: dict[str, AttrType] = {}
        defaults: dict[str, Any] = {}
        for name in own:
            hint = hints.get(name)
            if typing.get_origin(hint) is ClassVar or hint is ClassVar:
                continue
            if name.startswith("_") or name in RESERVED_NAMES or name in METHODS or name in self.inputs:
                raise ArgumentError(
                    f"{self.label}: attribute name {name!r} is reserved (by TensorRT, by trtdsl or as an "
                    "input name); rename it"
                )
            kind = AttrType.parse(self.label, name, hint)
            if self.registry and kind.numpy is None and kind.python in (int, float):
                # sent as INT32 / FLOAT32 (as the ONNX parser sends them): checked and kept as such
                narrow = np.dtype(np.int32 if kind.python is int else np.float32)
                kind = AttrType(kind.python, narrow, kind.array)
            if not self.registry and kind.numpy is not None and not kind.array:
                raise ArgumentError(
                    f"{self.label}: attribute '{name}' is annotated {kind}; tensorrt.plugin takes int, "
                    "float, bool, str or tuples of numbers (use int/float, or tuple[...] for a typed array)"
                )
            attributes[name] = kind
            if name in self.cls.__dict__:
                defaults[name] = kind.convert(self.label, name, self.cls.__dict__[name])
        return attributes, defaults

    def _parse_input_dtypes(self) -> dict[str, tuple[DType, ...] | str]:
        spec = self.cls.__dict__.get("input_dtypes", {})
        if not isinstance(spec, Mapping):
            raise ArgumentError(
                f"{self.label}: input_dtypes is {spec!r}; expected a dict from input name to dtypes or 'same "
                "as <input>'"
            )
        rules: dict[str, tuple[DType, ...] | str] = {}
        for name, rule in spec.items():
            if name not in self.inputs:
                raise ArgumentError(
                    f"{self.label}: input_dtypes names {name!r}, which is not an input; the inputs are "
                    f"{', '.join(self.inputs)}"
                )
            match = _SAME_AS.match(rule) if isinstance(rule, str) else None
            if match is not None:
                if match.group(1) not in self.inputs or match.group(1) == name:
                    raise ArgumentError(
                        f"{self.label}: input_dtypes[{name!r}] is {rule!r}; expected 'same as <another "
                        f"input>' with one of {', '.join(n for n in self.inputs if n != name)}"
                    )
                rules[name] = match.group(1)
                continue
            items = rule if isinstance(rule, (tuple, list)) else (rule,)
            try:
                rules[name] = tuple(dtypes.dtype(d) for d in items)
            except DTypeError as exc:
                raise DTypeError(f"{self.label}: input_dtypes[{name!r}]: {exc.message}") from None
        return rules

    # -- instances ------------------------------------------------------------------------------------
    def instance(self, values: Mapping[str, Any]) -> Any:
        """A plugin object holding ``values`` (already normalised, e.g. taken from an op)."""
        obj = self.cls.__new__(self.cls)  # type: ignore[call-overload]  # mypy reads it as type.__new__
        for name in self.attributes:
            object.__setattr__(obj, name, values[name])
        return obj

    def convert(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Check the attribute values a user gives (by name), filling in defaults."""
        unknown = [k for k in values if k not in self.attributes]
        if unknown:
            has = (
                f"its attributes are {', '.join(self.attributes)}"
                if self.attributes
                else "it has no attributes"
            )
            raise ArgumentError(f"{self.label}: unknown attribute {unknown[0]!r}; {has}")
        out = {}
        for name, kind in self.attributes.items():
            if name in values:
                out[name] = kind.convert(self.label, name, values[name])
            elif name in self.defaults:
                out[name] = self.defaults[name]
            else:
                raise ArgumentError(f"{self.label}: missing attribute {name!r} ({kind}); it has no default")
        return out

    def op(self, values: Mapping[str, Any]) -> PluginV3:
        """The IR op for a plugin with these (user-given) attribute values."""
        converted = self.convert(values)
        return PluginV3(self.name, self.namespace, self.version, tuple(converted.items()))

    # -- the shape rule -------------------------------------------------------------------------------
    def declare(self, instance: Any, inputs: Sequence[TensorType]) -> Declared:
        """Run the shape rule on ``inputs`` and check what it returns. An error the shape method raises
        names the line that uses the plugin (as the errors of TensorRT's own layers do), not the check
        inside the method, which its traceback shows."""
        label = self.label
        collecting: list[DataDependentSize] = []
        call_site = user_location()
        token = _SIZES.set(collecting)
        try:
            result = self.shape_fn(instance, *inputs)
        except DSLError as exc:
            exc.location = call_site or exc.location
            if not exc.message.startswith(f"{label}: "):  # (a dim used as a number, say): whose rule it is
                exc.message = f"{label}: in the shape method: {exc.message}"
            exc.args = (exc._text(),)
            raise
        except Exception as exc:
            raise ShapeError(f"{label}: the shape method raised {type(exc).__name__}: {exc}") from exc
        finally:
            _SIZES.reset(token)
        outputs = tuple(_output_type(label, i, t) for i, t in enumerate(_as_tuple(label, result)))
        known = set().union(*(d.symbols() for t in inputs for d in t.shape if isinstance(d, Dim)))
        sizes = {s.symbol.args[0] for s in collecting}
        used = set()
        for i, ty in enumerate(outputs):
            for axis, dim in enumerate(ty.shape):
                if not isinstance(dim, Dim):
                    continue
                names = dim.symbols()
                if names & sizes and not dim.is_symbol:
                    raise ShapeError(
                        f"{label}: output {i} dim {axis} is {dim}, which combines a data-dependent size with "
                        "other dims; TensorRT allows a data-dependent size only as a whole dim"
                    )
                used |= names & sizes
                stray = names - known - sizes
                if stray:
                    raise ShapeError(
                        f"{label}: output {i} dim {axis} is {dim}, but {min(stray)!r} is not a dim of "
                        "the inputs; compute output dims from the inputs' dims, or declare a size known "
                        "only at run time with td.data_dependent_dim"
                    )
        for size in collecting:
            if size.symbol.args[0] not in used:
                raise ShapeError(f"{label}: data-dependent size {size.symbol} is not used by any output")
        return Declared(outputs, tuple(collecting))

    def infer(self, op: PluginV3, inputs: Sequence[TensorType | None]) -> tuple[TensorType, ...]:
        """The outputs' types for ``op`` on inputs of these types (full validation)."""
        label = self.label
        if len(inputs) != len(self.inputs) or any(t is None for t in inputs):
            got = sum(t is not None for t in inputs)
            raise ArgumentError(
                f"{label}: takes {_tensors(len(self.inputs))} ({', '.join(self.inputs)}); got {got}"
            )
        types = typing.cast(Sequence[TensorType], inputs)
        by_name = dict(zip(self.inputs, types))
        for name, rule in self.input_dtypes.items():
            ty = by_name[name]
            if isinstance(rule, str):
                if ty.dtype != by_name[rule].dtype:
                    raise DTypeError(
                        f"{label}: input '{name}' has dtype {ty.dtype.name}; expected "
                        f"{by_name[rule].dtype.name}, the dtype of input '{rule}'"
                    )
            elif ty.dtype not in rule:
                raise DTypeError(
                    f"{label}: input '{name}' has dtype {ty.dtype.name}; expected one of "
                    f"{', '.join(d.name for d in rule)}"
                )
        declared = self.declare(op.instance(), types)
        self.signatures[(op.fields, tuple((t.dtype, t.rank) for t in types))] = tuple(
            (t.dtype, t.rank) for t in declared.outputs
        )
        counts = (len(declared.outputs), len(declared.sizes))
        if self.counts is None:
            self.counts = counts
        elif counts != self.counts:
            raise ShapeError(
                f"{label}: the shape method gave {counts[0]} outputs and {counts[1]} data-dependent sizes "
                f"here but {self.counts[0]} and {self.counts[1]} before; a TensorRT plugin has a fixed "
                "number of outputs"
            )
        return declared.outputs

    # -- the reference --------------------------------------------------------------------------------
    def evaluate(self, op: PluginV3, arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """Run the NumPy reference and check its results against the shape rule."""
        instance = op.instance()
        declared = self.declare(instance, [TensorType(_dtype_of(a), a.shape) for a in arrays])
        views = []
        for a in arrays:
            view = a.view()
            view.flags.writeable = False  # a reference must not change its inputs (they may be shared)
            views.append(view)
        results = self.reference_fn(instance, *views)
        items = results if isinstance(results, (tuple, list)) else (results,)
        where = _code_location(self.reference_fn)
        if len(items) != len(declared.outputs):
            raise ExecutionError(
                f"{self.label}: reference returned {len(items)} results; the shape rule declares "
                f"{len(declared.outputs)} outputs",
                location=where,
            )
        out = tuple(
            _check_result(self.label, i, r, t, declared.sizes, where)
            for i, (r, t) in enumerate(zip(items, declared.outputs))
        )
        _check_sizes(self.label, out, declared, where)
        # a result that is (a view of) an input would be read-only and alias another layer's value
        return tuple(r.copy() if any(np.may_share_memory(r, a) for a in arrays) else r for r in out)

    # -- the GPU kernel -------------------------------------------------------------------------------
    def kernel_outputs(
        self, instance: Any, inputs: Sequence[TensorType]
    ) -> tuple[Declared, tuple[tuple[int, ...], ...]]:
        """For inputs of static shapes: what the shape rule declares, and the shapes of the buffers a kernel
        writes its outputs into (a data-dependent dim at its upper bound; the kernel fills the start of the
        buffer, C-contiguously, and returns the sizes)."""
        declared = self.declare(instance, inputs)
        bounds = {s.symbol: s.upper_bound for s in declared.sizes}
        shapes = tuple(
            tuple(d if isinstance(d, int) else static_dim(bounds[d]) for d in t.shape)
            for t in declared.outputs
        )
        return declared, shapes

    def kernel_sizes(self, returned: Any, declared: Declared) -> tuple[int, ...]:
        """The data-dependent sizes a kernel returned (one int per td.data_dependent_dim of the shape rule,
        in order), checked against their upper bounds; None for a plugin without them."""
        where = _code_location(self.kernel_fn) if self.kernel_fn is not None else None
        if not declared.sizes:
            if returned is not None:
                raise ExecutionError(
                    f"{self.label}: kernel returned {returned!r}; a plugin without data-dependent sizes "
                    "returns None",
                    location=where,
                )
            return ()
        items = returned if isinstance(returned, (tuple, list)) else (returned,)
        values = [v.item() if hasattr(v, "item") else v for v in items]
        names = ", ".join(str(s.symbol) for s in declared.sizes)
        if (
            returned is None
            or len(values) != len(declared.sizes)
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        ):
            raise ExecutionError(
                f"{self.label}: kernel returned {returned!r}; it must return the data-dependent sizes it "
                f"computed ({names}), as ints",
                location=where,
            )
        for size, value in zip(declared.sizes, values):
            if not 0 <= value <= size.upper_bound:
                raise ExecutionError(
                    f"{self.label}: kernel returned {value} for data-dependent size {size.symbol}; expected "
                    f"an int in [0, {size.upper_bound}]",
                    location=where,
                )
        return tuple(values)


def _parameters(label: str, fn: Callable, method: str) -> tuple[str, ...]:
    """The names of a method's inputs (its parameters after self)."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.default is not p.empty:
            raise ArgumentError(
                f"{label}: {method} must list its input tensors as plain parameters (no defaults, *args or "
                f"keyword-only parameters); got {p}"
            )
    return tuple(p.name for p in params)


def _tensors(count: int) -> str:
    return f"{count} input tensor" + ("" if count == 1 else "s")


def _as_tuple(label: str, result: Any) -> tuple:
    if isinstance(result, TensorType):
        return (result,)
    if isinstance(result, (tuple, list)) and result and all(isinstance(r, TensorType) for r in result):
        return tuple(result)
    raise ArgumentError(
        f"{label}: the shape method returned {result!r}; expected a td.TensorType (e.g. "
        "td.TensorType(x.dtype, x.shape)) or a tuple of them"
    )


def _output_type(label: str, index: int, ty: TensorType) -> TensorType:
    try:
        dt = dtypes.dtype(ty.dtype)
    except DTypeError:
        raise DTypeError(
            f"{label}: output {index} has dtype {ty.dtype!r}, which is not a TensorRT data type"
        ) from None
    if len(ty.shape) > MAX_RANK:
        raise ShapeError(
            f"{label}: output {index} has rank {len(ty.shape)}; TensorRT allows at most {MAX_RANK}"
        )
    shape = []
    for d in ty.shape:
        dim = _dim_or_none(d)
        if dim is None:
            raise ShapeError(
                f"{label}: output {index} has shape {tuple(ty.shape)}; dims must be ints >= 0 or dims"
            )
        shape.append(dim)
    return TensorType(dt, tuple(shape))


def _dtype_of(array: np.ndarray) -> DType:
    found = dtypes.of_array(array)
    if found is None:
        raise DTypeError(f"plugin input of dtype {array.dtype} is not a TensorRT data type")
    return found


def _code_location(fn: Callable) -> Location | None:
    code = getattr(inspect.unwrap(fn), "__code__", None)
    return None if code is None else Location(code.co_filename, code.co_firstlineno)


def _check_result(
    label: str,
    index: int,
    value: Any,
    ty: TensorType,
    sizes: tuple[DataDependentSize, ...],
    where: Location | None,
) -> np.ndarray:
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise ExecutionError(
            f"{label}: reference output {index} is a {type(value).__name__}; expected a NumPy array ({ty})",
            location=where,
        )
    if value.dtype != ty.dtype.numpy:
        raise ExecutionError(
            f"{label}: reference output {index} has dtype {value.dtype}; the shape rule declares "
            f"{ty.dtype.name} ({ty}). Return an array of dtype {ty.dtype.name} (e.g. "
            f".astype(np.{ty.dtype.numpy.name}))",
            location=where,
        )
    bounds = {s.symbol: s.upper_bound for s in sizes}
    fits = value.ndim == len(ty.shape) and all(
        size == d if isinstance(d, int) else size <= bounds[d] for d, size in zip(ty.shape, value.shape)
    )
    if not fits:
        declared = (
            "("
            + ", ".join(str(d) if isinstance(d, int) else f"{d}<={bounds[d]}" for d in ty.shape)
            + ("," if len(ty.shape) == 1 else "")
            + ")"
        )
        raise ExecutionError(
            f"{label}: reference output {index} has shape {value.shape}; the shape rule declares {declared} "
            "for these inputs",
            location=where,
        )
    return value


def _check_sizes(
    label: str, results: tuple[np.ndarray, ...], declared: Declared, where: Location | None
) -> None:
    """A data-dependent size used by several dims must have one value."""
    seen: dict[Dim, tuple[int, int, int]] = {}
    for i, (array, ty) in enumerate(zip(results, declared.outputs)):
        for axis, (d, size) in enumerate(zip(ty.shape, array.shape)):
            if isinstance(d, int):
                continue
            first = seen.setdefault(d, (size, i, axis))
            if first[0] != size:
                raise ExecutionError(
                    f"{label}: data-dependent size {d} is {first[0]} in output {first[1]} (dim {first[2]}) "
                    f"but {size} in output {i} (dim {axis}); the reference must give it one value",
                    location=where,
                )


# -- the IR op ----------------------------------------------------------------------------------------
@attrs.frozen
class PluginV3(Op):
    """A plugin layer: the plugin's name, namespace and version, and its attribute values (in declaration
    order). Its shape rule and NumPy reference are those of the registered plugin class."""

    kind = "PluginV3"
    name: str
    namespace: str
    version: str
    fields: tuple[tuple[str, Any], ...]

    @property
    def definition(self) -> PluginDefinition:
        return lookup(self.name, self.namespace, self.version)

    def instance(self) -> Any:
        """The user's plugin object with these attribute values."""
        return self.definition.instance(dict(self.fields))

    def label(self) -> str:
        return f"PluginV3[{self.definition.label}]"

    def name_hint(self) -> str:
        return re.sub(r"\W", "_", self.name).lower()

    def attributes(self) -> dict[str, object]:
        return dict(self.fields)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        return self.definition.infer(self, inputs)

    def reference(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return self.definition.evaluate(self, inputs)


# -- defining plugins ---------------------------------------------------------------------------------
def plugin(plugin_id: str) -> Callable[[T], T]:
    """Class decorator: define a new TensorRT plugin ``"namespace::name"`` (version "1") from a class with
    attributes, a ``shape`` rule, a NumPy ``reference`` and optional GPU kernels (see the module docs).

    Instances are immutable, compared by their attribute values, and called on tensors to add the plugin
    layer: ``ClampGelu(limit=4.0)(x)`` returns the output Tensor (a tuple for several outputs).

    >>> import numpy as np, trtdsl as td
    >>> @td.plugin("doc::sum_diff")
    ... class SumDiff:
    ...     input_dtypes = {"b": "same as a"}
    ...     def shape(self, a, b):
    ...         return a, a
    ...     def reference(self, a, b):
    ...         return a + b, a - b
    >>> net = td.Network("sd")
    >>> a, b = net.input("a", td.int32, (2,)), net.input("b", td.int32, (2,))
    >>> s, d = SumDiff()(a, b)
    >>> net.output("s", s); net.output("d", d)
    >>> out = net.run({"a": np.array([5, 7], np.int32), "b": np.array([1, 2], np.int32)})
    >>> out["s"], out["d"]
    (array([6, 9], dtype=int32), array([4, 5], dtype=int32))
    """
    location = user_location()
    if not isinstance(plugin_id, str) or plugin_id.count("::") != 1:
        raise _bad_id(plugin_id)
    namespace, name = plugin_id.split("::")
    if not namespace.isidentifier() or not name.isidentifier():
        raise _bad_id(plugin_id)
    if namespace in RESERVED_NAMESPACES:
        raise ArgumentError(
            f"plugin: namespace {namespace!r} is reserved by TensorRT; use your project's name"
        )

    def decorate(cls: T) -> T:
        return _define(cls, name, namespace, "1", False, location)

    return decorate


def _bad_id(plugin_id: object) -> ArgumentError:
    return ArgumentError(
        f"plugin: argument 'plugin_id' is {shown(plugin_id)}; expected 'namespace::name' with both parts "
        "identifiers (e.g. 'mylib::clamp_gelu')"
    )


def registry_plugin(name: str, *, version: str = "1", namespace: str = "") -> Callable[[T], T]:
    """Class decorator: describe a plugin that TensorRT's plugin registry already holds (by name, version
    and namespace), with its fields as attributes, a ``shape`` rule and a NumPy ``reference``, so that
    networks using it run on the reference and export to ONNX; engines create it from the registry.

    Attribute types fix the plugin fields' types: ``int`` and ``float`` are sent as INT32 and FLOAT32
    (as TensorRT's ONNX parser does); NumPy types (``np.int64``, ``np.float16``, ...) are sent as is.

    >>> import numpy as np, trtdsl as td
    >>> @td.registry_plugin("DocClip_TRT", version="2")
    ... class DocClip:
    ...     low: np.float32 = 0.0
    ...     high: np.float32 = 1.0
    ...     def shape(self, x):
    ...         return x
    ...     def reference(self, x):
    ...         return np.clip(x, self.low, self.high).astype(x.dtype)
    >>> DocClip(high=0.1)
    DocClip(low=0.0, high=0.10000000149011612)
    """
    location = user_location()
    for arg, value in (("name", name), ("version", version)):
        if not isinstance(value, str) or not value or "::" in value or not value.isprintable():
            raise ArgumentError(f"registry_plugin: argument '{arg}' is {shown(value)}; expected a non-empty "
                                "str of printable characters")
    if not isinstance(namespace, str) or not namespace.isprintable():
        raise ArgumentError(f"registry_plugin: argument 'namespace' is {shown(namespace)}; expected a str of "
                            "printable characters")

    def decorate(cls: T) -> T:
        return _define(cls, name, namespace, version, True, location)

    return decorate


def _define(cls: T, name: str, namespace: str, version: str, registry: bool, location: Location | None) -> T:
    if not isinstance(cls, type):
        raise ArgumentError(f"plugin {name!r}: decorate a class, not {type(cls).__name__}")
    definition = PluginDefinition(cls, name, namespace, version, registry, location)
    old = _DEFINITIONS.get(definition.key)
    if old is not None and not _same_source(old, definition):
        raise ArgumentError(
            f"{definition.label}: a plugin with this name is already defined (class {old.cls.__qualname__} "
            f"at {old.location}); plugin names must be unique"
        )
    _DEFINITIONS[definition.key] = definition
    _install(cls, definition)
    return cls


def _same_source(old: PluginDefinition, new: PluginDefinition) -> bool:
    """The same class statement run again (a module imported twice, or run as a script)."""
    same_file = (old.location.file if old.location else None) == (new.location.file if new.location else None)
    return same_file and old.cls.__qualname__ == new.cls.__qualname__


def _install(cls: type, definition: PluginDefinition) -> None:
    def __init__(self: Any, *args: Any, **values: Any) -> None:
        if args:
            raise ArgumentError(
                f"{definition.label}: attributes are given by keyword ({cls.__name__}(name=value, ...)); got "
                f"{len(args)} positional argument(s)"
            )
        for key, value in definition.convert(values).items():
            object.__setattr__(self, key, value)

    def __setattr__(self: Any, key: str, value: Any) -> None:
        raise ArgumentError(
            f"{definition.label}: plugin objects are immutable; make a new one ({cls.__name__}({key}=...))"
        )

    def __delattr__(self: Any, key: str) -> None:
        __setattr__(self, key, None)

    def _values(self: Any) -> tuple:
        return tuple(getattr(self, k) for k in definition.attributes)

    def __eq__(self: Any, other: object) -> bool:
        return type(other) is type(self) and _values(other) == _values(self)

    def __hash__(self: Any) -> int:
        return hash((cls, _values(self)))

    def __repr__(self: Any) -> str:
        return (
            f"{cls.__name__}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in definition.attributes) + ")"
        )

    def __call__(self: Any, *inputs: Any, name: str | None = None) -> Any:
        if len(inputs) != len(definition.inputs):
            raise ArgumentError(
                f"{definition.label}: takes {_tensors(len(definition.inputs))} "
                f"({', '.join(definition.inputs)}); got {len(inputs)}"
            )
        tensors = [expect_tensor(definition.label, arg, t) for arg, t in zip(definition.inputs, inputs)]
        op = PluginV3(
            definition.name,
            definition.namespace,
            definition.version,
            tuple((k, getattr(self, k)) for k in definition.attributes),
        )
        outputs = tensors[0].network.add(op, tensors, name=name)
        return outputs[0] if len(outputs) == 1 else outputs

    cls.__init__ = __init__  # type: ignore[misc]
    cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
    cls.__delattr__ = __delattr__  # type: ignore[method-assign,assignment]
    cls.__call__ = __call__  # type: ignore[method-assign]
    for dunder, fn in (("__eq__", __eq__), ("__hash__", __hash__), ("__repr__", __repr__)):
        if dunder not in cls.__dict__:
            setattr(cls, dunder, fn)
    cls.__plugin__ = definition  # type: ignore[attr-defined]


def lookup(name: str, namespace: str = "", version: str = "1") -> PluginDefinition:
    """The definition registered for a plugin (ArgumentError if none).

    >>> import trtdsl as td
    >>> @td.plugin("doc::found")
    ... class Found:
    ...     def shape(self, x):
    ...         return x
    ...     def reference(self, x):
    ...         return x.copy()
    >>> lookup("found", "doc") is definition_of(Found), lookup("found", "doc").label
    (True, 'doc::found')
    """
    found = _DEFINITIONS.get((namespace, name, version))
    if found is None:
        where = f"{namespace}::{name}" if namespace else name
        raise ArgumentError(
            f"no trtdsl definition for plugin {where} (version {version!r}); define it with @td.plugin or "
            "@td.registry_plugin to give it a shape rule and a NumPy reference"
        )
    return found


def definition_of(plugin_class: type) -> PluginDefinition:
    """The definition of a class decorated with @td.plugin or @td.registry_plugin.

    >>> try:
    ...     definition_of(int)
    ... except ArgumentError as e:
    ...     print(e.message)
    <class 'int'> is not a plugin class (decorate it with @td.plugin)
    """
    found = plugin_class.__dict__.get("__plugin__") if isinstance(plugin_class, type) else None
    if not isinstance(found, PluginDefinition):
        raise ArgumentError(f"{plugin_class!r} is not a plugin class (decorate it with @td.plugin)")
    return found


def check_aot_kernel(definition: PluginDefinition, kernel: Any) -> AOTKernel:
    """What ``aot`` returned, checked: an AOTKernel with 1-3 grid dims and 1-3 positive block dims.

    >>> import trtdsl as td
    >>> @td.plugin("doc::launch")
    ... class Launch:
    ...     def shape(self, x):
    ...         return x
    ...     def reference(self, x):
    ...         return x.copy()
    >>> check_aot_kernel(definition_of(Launch), td.AOTKernel("k", "", grid=(4,), block=(128,))).block
    (128,)
    """
    if not isinstance(kernel, AOTKernel):
        raise ArgumentError(f"{definition.label}: aot returned {kernel!r}; expected a td.AOTKernel")
    for what, values in (("grid", kernel.grid), ("block", kernel.block)):
        if not 1 <= len(values) <= 3:
            raise ArgumentError(
                f"{definition.label}: AOTKernel {what} is {values!r}; expected 1 to 3 dims (x, y, z)"
            )
    if not all(isinstance(b, int) and b > 0 for b in kernel.block):
        raise ArgumentError(
            f"{definition.label}: AOTKernel block is {kernel.block!r}; expected positive ints"
        )
    return kernel


__all__ = [
    "AOTKernel",
    "DataDependentSize",
    "Declared",
    "PluginDefinition",
    "PluginV3",
    "check_aot_kernel",
    "data_dependent_dim",
    "definition_of",
    "lookup",
    "plugin",
    "registry_plugin",
]
