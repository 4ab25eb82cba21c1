"""Registering trtdsl plugins with TensorRT's Python plugin API (``tensorrt.plugin``); the lowering of
PluginV3 layers into ``INetworkDefinition.add_plugin_v3`` and their raise back to the IR are in
:mod:`trtdsl.backends.tensorrt.lowering.plugins`.

A ``@td.plugin`` class becomes a quickly deployable plugin of ``tensorrt.plugin``:

- ``register``: a function over ``TensorDesc`` s that runs the class's shape rule on the descriptors'
  shape expressions (trtdsl dims translated to TensorRT's ``ShapeExpr`` arithmetic; a
  ``td.data_dependent_dim`` becomes a size tensor output);
- ``impl`` (when the class has ``kernel``): calls ``kernel(self, *inputs, *outputs, stream)`` with
  ``tensorrt.plugin.Tensor`` s (they expose ``__cuda_array_interface__``, so ``cupy.asarray(t)`` and
  ``torch.as_tensor(t, device="cuda")`` wrap them without copies). Outputs of data-dependent size are
  buffers at the upper bound; the kernel returns the sizes, which are written to the size tensors;
- ``aot_impl`` (when the class has ``aot``): the :class:`~trtdsl.AOTKernel` the class returns, compiled
  into the engine, so the engine deserializes and runs without Python.

Engines with JIT plugins need the plugin registered in the process that deserializes them: call
:func:`register` there first.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing as npt

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, BackendError, ExecutionError
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.types import TensorType
from trtdsl.plugins.attributes import AttrType
from trtdsl.plugins.definition import PluginDefinition, check_aot_kernel, definition_of, lookup

_REGISTERED: dict[tuple[str, str, str], tuple[int, int]] = {}  # plugins registered with tensorrt.plugin here


# -- dims as TensorRT shape expressions -----------------------------------------------------------------
def translate(dim: DimLike, leaf: Callable[[str], Any], const: Callable[[int], Any]) -> Any:
    """``dim`` rebuilt in another integer algebra: symbols through ``leaf``, an int operand that must be an
    expression through ``const``; ``+ - * //`` map to the algebra's operators (TensorRT's ``//`` floors,
    as trtdsl's does) and ``a % b`` to ``a - a // b * b``.

    >>> from trtdsl.ir.dims import Dim
    >>> d = (Dim.symbol("n") * 3 + 1) % 4
    >>> translate(d, {"n": 5}.__getitem__, int), d.evaluate({"n": 5})
    (0, 0)
    """
    if isinstance(dim, int):
        return dim
    if dim.is_symbol:
        return leaf(dim.args[0])
    a, b = (translate(x, leaf, const) for x in dim.args)
    if isinstance(a, int):
        a = const(a)
    if dim.op == "+":
        return a + b
    if dim.op == "-":
        return a - b
    if dim.op == "*":
        return a * b
    if dim.op == "//":
        return a // b
    return a - (a // b) * b


class _Descriptors:
    """TensorRT input descriptors seen as trtdsl types: a dim that TensorRT knows as a build-time constant
    is an int, any other is a symbol ``$<input>.<axis>`` standing for that input's shape expression."""

    def __init__(self, descs: Sequence[Any], trtp: Any) -> None:
        self.descs = descs
        self.trtp = trtp

    def types(self) -> list[TensorType]:
        return [
            TensorType(
                dtypes.dtype(d.dtype.name), tuple(self._dim(i, j, e) for j, e in enumerate(d.shape_expr))
            )
            for i, d in enumerate(self.descs)
        ]

    @staticmethod
    def _dim(i: int, j: int, expr: Any) -> DimLike:
        if not expr.is_fake and expr.is_constant:
            return int(expr.constant_value())
        return Dim.symbol(f"${i}.{j}")

    def expr(self, dim: DimLike) -> Any:
        def leaf(name: str) -> Any:
            i, j = name[1:].split(".")
            return self.descs[int(i)].shape_expr[int(j)]

        return translate(dim, leaf, self.trtp.ShapeExpr)


# -- tensorrt.plugin ----------------------------------------------------------------------------------------
def _plugin_module(trt: Any) -> Any:
    """``tensorrt.plugin`` of the ``tensorrt`` module ``trt`` (BackendError if it has none)."""
    try:
        return importlib.import_module(f"{trt.__name__}.plugin")
    except ImportError as exc:
        raise BackendError(
            f"TensorRT {getattr(trt, '__version__', '?')} has no Python plugin API (tensorrt.plugin, "
            f"TensorRT 10.6 or newer): {exc}"
        ) from None


def register(plugin_class: type, *example_inputs: TensorType, trt: Any = None) -> None:
    """Register a ``@td.plugin`` class with TensorRT's Python plugin API (once per process). Lowering does
    this by itself; a process that only deserializes engines with JIT plugins calls it first.

    TensorRT fixes a plugin's number of outputs when it is registered; trtdsl takes it from a use of the
    plugin in a network or, if there was none in this process, from the shape rule run on
    ``example_inputs``.
    """
    definition = definition_of(plugin_class)
    if definition.registry:
        raise ArgumentError(
            f"{definition.label}: a registry plugin is registered by its own library, not by trtdsl"
        )
    if definition.counts is None and example_inputs:
        declared = definition.declare(
            definition.instance(definition.defaults | _placeholders(definition)), example_inputs
        )
        definition.counts = (len(declared.outputs), len(declared.sizes))
    if trt is None:
        from trtdsl.backends.tensorrt.api import import_tensorrt

        trt = import_tensorrt()
    ensure_registered(definition, trt)


def _placeholders(definition: PluginDefinition) -> dict[str, Any]:
    """Attribute values for running the shape rule without a user's instance (attributes without a default
    get a zero of their type)."""
    zero = {int: 0, float: 0.0, bool: False, str: ""}
    return {
        k: (() if t.array else zero[t.python])
        for k, t in definition.attributes.items()
        if k not in definition.defaults
    }


def ensure_registered(definition: PluginDefinition, trt: Any) -> None:
    """Register ``definition`` with ``tensorrt.plugin`` unless it already is (the functions given to
    TensorRT look the definition up when called, so a re-run class statement takes effect)."""
    if definition.key in _REGISTERED:
        if _REGISTERED[definition.key] != definition.counts:
            raise BackendError(
                f"{definition.label}: registered with TensorRT with {_REGISTERED[definition.key][0]} "
                f"outputs, but its shape rule now gives {definition.counts[0] if definition.counts else '?'}"
            )
        return
    if definition.counts is None:
        raise BackendError(
            f"{definition.label}: its number of outputs is not known yet; use it in a network first or pass "
            "example input types to trtdsl.backends.tensorrt.plugins.register"
        )
    if definition.kernel_fn is None and definition.aot_fn is None:
        raise BackendError(
            f"{definition.label}: has no GPU implementation for TensorRT; define kernel(self, ...) or "
            "aot(self, ...) in its class"
        )
    trtp = _plugin_module(trt)
    n_outputs, n_sizes = definition.counts
    key = definition.key
    desc = trtp.TensorDesc
    tensors = [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=desc)
        for n in definition.inputs
    ]
    attrs = [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=_annotation(t))
        for n, t in definition.attributes.items()
    ]
    plain = [p.replace(annotation=inspect.Parameter.empty) for p in tensors + attrs]
    extra = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ("outputs",)]

    def register_function(*descs: Any, **attributes: Any) -> tuple:
        return _describe(lookup(*_name(key)), trtp, trt, descs, attributes)

    register_function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        tensors + attrs, return_annotation=typing.Tuple[(desc,) * (n_outputs + n_sizes)]
    )
    trtp.register(definition.id)(register_function)
    if definition.kernel_fn is not None:

        def impl(*args: Any, stream: int = 0) -> None:
            _run_kernel(lookup(*_name(key)), trt, args[:-1], args[-1], stream)

        impl.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            plain + extra + [inspect.Parameter("stream", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        )
        trtp.impl(definition.id)(impl)
    if definition.aot_fn is not None:

        def aot_impl(*args: Any) -> tuple:
            return _aot(lookup(*_name(key)), trtp, trt, args[:-2], args[-2])

        aot_impl.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            plain + extra + [inspect.Parameter("tactic", inspect.Parameter.POSITIONAL_OR_KEYWORD)],
            return_annotation=typing.Tuple[
                typing.Union[str, bytes], typing.Union[str, bytes], trtp.KernelLaunchParams, trtp.SymIntExprs
            ],
        )
        trtp.aot_impl(definition.id)(aot_impl)
    _REGISTERED[key] = definition.counts


def _name(key: tuple[str, str, str]) -> tuple[str, str, str]:
    namespace, name, version = key
    return name, namespace, version


def _annotation(kind: AttrType) -> Any:
    """The type annotation tensorrt.plugin reads an attribute's field type from."""
    if not kind.array:
        return kind.python
    dtype = kind.numpy if kind.numpy is not None else np.dtype(np.int64 if kind.python is int else np.float64)
    return npt.NDArray[dtype.type]


def _instance(definition: PluginDefinition, values: Sequence[Any] | dict[str, Any]) -> Any:
    """The user's plugin object from the attribute values tensorrt.plugin holds (arrays become tuples)."""
    pairs = values.items() if isinstance(values, dict) else zip(definition.attributes, values)
    return definition.instance(definition.convert(dict(pairs)))


def _describe(
    definition: PluginDefinition, trtp: Any, trt: Any, descs: Sequence[Any], attributes: dict
) -> tuple:
    """The register function: output descriptors (and size tensors) from the shape rule.

    TensorRT first asks for the outputs' dtypes alone, with placeholder shapes ("fake" expressions);
    those come from the network trtdsl lowered (the shape rule may compare dims, which placeholders
    cannot answer), and the shape rule itself runs when TensorRT asks for the shapes."""
    values = definition.convert({k: attributes[k] for k in definition.attributes})
    if any(e.is_fake for d in descs for e in d.shape_expr):
        key = (tuple(values.items()), tuple((dtypes.dtype(d.dtype.name), len(d.shape_expr)) for d in descs))
        known = definition.signatures.get(key)
        if known is not None:
            placeholder = trtp.ShapeExpr()
            sizes = tuple(trtp.size_tensor(placeholder, placeholder) for _ in range(definition.counts[1]))
            return (
                tuple(
                    trtp.from_shape_expr((0,) * rank, dtype=getattr(trt.DataType, dt.trt))
                    for dt, rank in known
                )
                + sizes
            )
    view = _Descriptors(descs, trtp)
    declared = definition.declare(definition.instance(values), view.types())
    sizes = {s.symbol: trtp.size_tensor(view.expr(s.opt), view.expr(s.upper_bound)) for s in declared.sizes}
    outputs = tuple(
        trtp.from_shape_expr(
            tuple(sizes[d].expr() if d in sizes else view.expr(d) for d in t.shape),
            dtype=getattr(trt.DataType, t.dtype.trt),
        )
        for t in declared.outputs
    )
    return outputs + tuple(sizes.values())


def _run_kernel(
    definition: PluginDefinition, trt: Any, args: Sequence[Any], outputs: Sequence[Any], stream: int
) -> None:
    """The impl function: the user's kernel on tensorrt.plugin Tensors."""
    n = len(definition.inputs)
    inputs, values = args[:n], args[n:]
    instance = _instance(definition, values)
    types = [TensorType(dtypes.dtype(t.dtype.name), tuple(int(d) for d in t.shape)) for t in inputs]
    declared, shapes = definition.kernel_outputs(instance, types)
    buffers = [
        out.aliased(shape) if any(not isinstance(d, int) for d in t.shape) else out
        for out, shape, t in zip(outputs, shapes, declared.outputs)
    ]
    assert definition.kernel_fn is not None
    returned = definition.kernel_fn(instance, *inputs, *buffers, stream)
    sizes = definition.kernel_sizes(returned, declared)
    if sizes:
        _write_scalars(outputs[len(declared.outputs) :], sizes, stream)


def _write_scalars(tensors: Sequence[Any], values: Sequence[int], stream: int) -> None:
    """Copy ints into 0-d device tensors (size tensors: int32 or int64) on ``stream``, with cuda-python."""
    try:
        from cuda.bindings import runtime as cudart
    except ImportError:  # cuda-python before 12.6
        from cuda import cudart  # type: ignore[no-redef]
    hosts = []
    for tensor, value in zip(tensors, values):
        host = np.array([value], np.int64 if tensor.dtype.name == "INT64" else np.int32)
        hosts.append(host)
        (err,) = cudart.cudaMemcpyAsync(
            tensor.data_ptr,
            host.ctypes.data,
            host.nbytes,
            cudart.cudaMemcpyKind.cudaMemcpyHostToDevice,
            stream,
        )
        if int(err):
            raise ExecutionError(f"writing a data-dependent size failed: CUDA error {err}")
    (err,) = cudart.cudaStreamSynchronize(stream)  # the host values must outlive the copies
    if int(err):
        raise ExecutionError(f"writing a data-dependent size failed: CUDA error {err}")


def _aot(
    definition: PluginDefinition, trtp: Any, trt: Any, args: Sequence[Any], outputs: Sequence[Any]
) -> tuple:
    """The aot_impl function: the user's AOTKernel, its launch dims as TensorRT symbolic expressions."""
    n = len(definition.inputs)
    instance = _instance(definition, args[n:])
    view = _Descriptors(list(args[:n]) + list(outputs), trtp)
    types = view.types()
    assert definition.aot_fn is not None
    if definition.counts and definition.counts[1]:
        raise BackendError(
            f"{definition.label}: an ahead-of-time kernel cannot produce data-dependent sizes; use kernel"
        )
    kernel = check_aot_kernel(definition, definition.aot_fn(instance, *types))

    def sym(dim: DimLike) -> Any:
        return trtp.SymInt32(view.expr(dim) if isinstance(dim, Dim) else dim)

    launch = trtp.KernelLaunchParams()
    for axis, value in zip("xyz", kernel.grid):
        setattr(launch, f"grid_{axis}", sym(value))
    for axis, value in zip("xyz", kernel.block):
        setattr(launch, f"block_{axis}", value)
    launch.shared_mem = sym(kernel.shared_mem)
    extra = trtp.SymIntExprs.from_tuple([sym(a) for a in kernel.args])
    code = kernel.code if isinstance(kernel.code, bytes) else kernel.code.encode()
    return kernel.name.encode(), code, launch, extra


__all__ = ["ensure_registered", "register", "translate"]
