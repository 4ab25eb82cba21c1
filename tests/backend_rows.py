"""The backend checks' rows, declared beside the tests of each op and collected from every test module.

A test module (``tests/layers/test_<family>.py``, and those of loops, conditionals, plugins,
quantization, shapes and the examples) declares, next to its own tests:

- ``onnx_rows() -> list[Row]``: the ONNX cross-check rows (``tests/backends/onnx/test_crosscheck.py``
  exports each and compares the reference with onnxruntime on drawn inputs);
- functions decorated with ``@tensorrt_case``: networks that ``tests/backends/tensorrt`` lowers into the
  stand-ins, raises back and compares (parameters set lopsided, see ``docs/contributing.md``);
- functions decorated with ``@tensorrt_expectation(name, source, expect)``: what TensorRT must receive
  for a small network, written from TensorRT's documentation (``test_expectations.py`` compares);
- ``ADVERSARIAL_CALLS``: for each of its ``td`` functions, a valid call's arguments, which
  ``tests/test_adversarial.py`` replaces one at a time by bad values.

:func:`onnx_rows`, :func:`tensorrt_cases`, :func:`tensorrt_expectations` and :func:`adversarial_calls`
import every test module outside ``tests/backends`` (under the names pytest gives them, so none runs
twice) and gather what they declare; the backend tests then check that every op kind has an ONNX row (or
is not expressible), a TensorRT case and an expectation, and ``test_adversarial.py`` that every ``td``
function has a call.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import attrs
import numpy as np
import pytest

import trtdsl as td

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FLOATS = (td.float32, td.float16, td.bfloat16)
INTS = (td.int32, td.int64)


# -- ONNX cross-check rows ------------------------------------------------------------------------------
@attrs.frozen
class Row:
    """One small network per op variant and dtype, with the inputs it is checked on.

    Each row builds a network with named dims, so one export and one onnxruntime session serve every
    drawn input set. ``values`` bound the inputs where the op's domain needs it (otherwise
    trtdsl.testing's defaults, with NaN and ±inf mixed in when ``special`` is set).
    """

    id: str
    build: Callable[[td.Network], None]
    values: dict[str, Any] | None = None
    dims: dict[str, Any] | None = None
    special: bool = True  # draw NaN and ±inf too
    nan_only: bool = False  # draw NaN but not ±inf
    rtol: Any = None
    atol: Any = None
    opset: int | None = None

    def network(self) -> td.Network:
        net = td.Network(self.id)
        self.build(net)
        return net


def one_input(
    dtype: td.DType, layer: Callable[[td.Tensor], Any], shape: tuple = ("n", 3)
) -> Callable[[td.Network], None]:
    """A network of one input ``x`` and the layer's outputs ``y0``, ``y1``, ..."""

    def build(net: td.Network) -> None:
        result = layer(net.input("x", dtype, shape))
        for i, t in enumerate(result if isinstance(result, tuple) else (result,)):
            net.output(f"y{i}", t)

    return build


def two_inputs(
    dtype: td.DType, layer: Callable[[td.Tensor, td.Tensor], Any], b_shape: tuple = ("n", 3)
) -> Callable[[td.Network], None]:
    """A network of inputs ``a`` and ``b`` and the layer's output ``y``."""

    def build(net: td.Network) -> None:
        a = net.input("a", dtype, ("n", 3))
        b = net.input("b", dtype, b_shape)
        net.output("y", layer(a, b))

    return build


def each(
    inputs: dict[str, tuple], layers: dict[str, Callable[..., td.Tensor]]
) -> Callable[[td.Network], None]:
    """A network with the given inputs (name -> (dtype, shape)) and one output per layer, named after it:
    several variants checked on the same drawn inputs."""

    def build(net: td.Network) -> None:
        tensors = [net.input(name, dtype, shape) for name, (dtype, shape) in inputs.items()]
        for name, layer in layers.items():
            net.output(name, layer(*tensors))

    return build


def variant_rows(
    prefix: str,
    dtype: td.DType,
    inputs: dict[str, tuple],
    layers: dict[str, Callable[..., td.Tensor]],
    **row: Any,
) -> list[Row]:
    """bfloat16 variants one row each (onnxruntime lacks most bfloat16 kernels, and a missing kernel skips
    the whole row); other dtypes all variants in one row."""
    if dtype is td.bfloat16:
        return [
            Row(f"{prefix}-{name}-{dtype.name}", each(inputs, {name: layer}), **row)
            for name, layer in layers.items()
        ]
    return [Row(f"{prefix}-{dtype.name}", each(inputs, layers), **row)]


# -- TensorRT round-trip cases --------------------------------------------------------------------------
CaseFn = Callable[[], td.Network]
_CASES: dict[str, CaseFn] = {}


def tensorrt_case(fn: CaseFn) -> CaseFn:
    """Declare ``fn`` (which builds a fresh network) a TensorRT case, named after the function.

    Cases are lopsided on purpose: padding differs before and after, strides, dilations, windows and
    kernels differ per axis, enums are not their defaults, axes are given negative where the user may,
    and permutations are not their own inverses. A lowering that reads a parameter from the wrong side
    or axis and a raise that makes the same mistake back then cannot give the same IR."""
    if _CASES.get(fn.__name__, fn) is not fn:
        raise ValueError(f"two TensorRT cases are named {fn.__name__!r}")
    _CASES[fn.__name__] = fn
    return fn


TENSORRT_11_ONLY: set[str] = set()
"""The cases and expectations (by name) of what only TensorRT 11 has: checked on the 11.4 stand-in only
(a test next to each says what 10.16 answers)."""


def tensorrt_11_only(fn: Any) -> Any:
    """Mark a ``@tensorrt_case`` (put this decorator above it) as one for TensorRT 11 only; an expectation
    is marked by its name (``TENSORRT_11_ONLY.add(name)``)."""
    TENSORRT_11_ONLY.add(fn.__name__)
    return fn


def kinds_of(net: td.Network) -> set[str]:
    return {node.op.kind for node in net.nodes}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def randn(*shape: int, dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    """Standard-normal constants of ``shape`` (the same for the same seed)."""
    return rng(seed).standard_normal(shape).astype(dtype)


def inputs(net: td.Network, seed: int = 0, size: int = 2) -> dict[str, np.ndarray]:
    """Arrays for every input (named dims of ``size``; values in [-2, 2], small ints for integer inputs)."""
    draw = rng(seed)
    feeds = {}
    for name, t in net.inputs.items():
        shape = tuple(d if isinstance(d, int) else size for d in t.shape)
        if t.dtype.is_bool:
            feeds[name] = draw.random(shape) < 0.5
        elif t.dtype.is_integer:
            feeds[name] = draw.integers(0, 2, shape).astype(t.dtype.numpy)
        else:
            feeds[name] = draw.uniform(-2, 2, shape).astype(np.float32).astype(t.dtype.numpy)
    return feeds


def load_example(name: str) -> ModuleType:
    """The module of examples/<name>.py (examples import each other, as when they are run)."""
    if str(ROOT / "examples") not in sys.path:
        sys.path.append(str(ROOT / "examples"))
    return _load(f"example_{name}", ROOT / "examples" / f"{name}.py")


# -- TensorRT expectations --------------------------------------------------------------------------
# What TensorRT must receive for a given op, written from TensorRT's documentation and not from the
# lowering. Each ``@tensorrt_expectation`` builds a small network with the DSL and states, for one or more
# of its IR nodes (selected by op kind), the TensorRT layers that node must become: the method that adds
# each layer, the values of its properties as read back through the Python API, and its inputs by index.
# ``tests/backends/tensorrt/test_expectations.py`` lowers every one into the strict stand-ins of TensorRT
# 10.16 and 11.4 and compares.
#
# The sources are NvInfer.h (NVIDIA/TensorRT ``include/NvInfer.h``: the class and method named in each
# row's ``source``) and the Python API manifests (``trtdsl/backends/tensorrt/manifests``). Where NvInfer.h
# allows several encodings (a negative or a non-negative axis), the row accepts all of them. The parameters
# are deliberately lopsided (pre != post padding, different values per axis, non-default enums, negative
# axes), so that a value taken from the wrong side, the wrong axis or the wrong enum cannot pass.
@attrs.frozen
class Const:
    """A layer input computed by an IConstantLayer holding ``values`` (same shape; the same dtype, or any
    integer dtype in ``int_dtypes`` when ``values`` are indices)."""

    values: Any
    int_dtypes: tuple[str, ...] = ()


@attrs.frozen
class Axes:
    """A layer input computed by an IConstantLayer holding integer axes of a tensor of rank ``rank``, in any
    encoding NvInfer.h allows: int32 or int64, each axis as ``a`` or ``a - rank``, in any order (``scalar``:
    a 0-D tensor of one axis, as ICumulativeLayer's; else 1-D, as ISqueezeLayer's)."""

    axes: tuple[int, ...]
    rank: int
    scalar: bool = False


@attrs.frozen
class By:
    """A layer input computed by a layer that ``method`` added (a helper layer of the same node, whose
    tensor's name NvInfer.h leaves to the lowering)."""

    method: str


class _Any:
    """Any present input (a tensor computed by other layers, e.g. a shape tensor)."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


@attrs.frozen
class Layer:
    """One TensorRT layer: ``method`` added it (an ``INetworkDefinition``, ``ILoop`` or ``IIfConditional``
    method; of a tuple, any); ``properties`` are read back through the Python API (a dotted name through
    the objects on the way, e.g. ``attention.causal``) (Dims and Permutations as tuples, enum
    members as ``"Enum.MEMBER"``, Weights as arrays, floats compared in float32); ``inputs`` are the tensors
    at each input index (a name of a tensor of the network, :class:`Const`, :class:`Axes`, :class:`By`,
    ``ANY`` or None for absent), None leaving them unchecked; ``input_ranks`` are the ranks of the inputs as the IR knows
    them; ``arguments`` are arguments of ``method`` that no property reads back (IDistCollectiveLayer's), as
    the call gave them."""

    method: str | tuple[str, ...]  # a tuple: any of them (a version's own method)
    properties: dict[str, Any] = attrs.field(factory=dict)
    inputs: tuple[Any, ...] | None = None
    input_ranks: tuple[int, ...] | None = None
    arguments: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Expectation:
    """``build(net)`` adds inputs, layers and outputs to an empty network; ``expect`` maps an op kind (or
    ``"Kind#i"``, the i-th node of that kind) to the layers its node must become; ``outputs`` maps a
    network output's name to the layer that must compute it; ``source`` says where the expectation comes
    from."""

    name: str
    build: Callable[[td.Network], None]
    expect: dict[str, Layer | tuple[Layer, ...]]
    source: str
    outputs: dict[str, Layer] = attrs.field(factory=dict)


_EXPECTATIONS: list[Expectation] = []
EMPTY = np.zeros(0, np.float32)  # an unset Weights property, as the Python API reads it back


def tensorrt_expectation(name: str, source: str, expect: dict[str, Layer | tuple[Layer, ...]],
                         outputs: dict[str, Layer] | None = None) -> Callable:
    """Declare the decorated ``build(net)`` an :class:`Expectation` named ``name``."""

    def register(build: Callable[[td.Network], None]) -> Callable[[td.Network], None]:
        _EXPECTATIONS.append(Expectation(name, build, expect, source, outputs or {}))
        return build

    return register


# -- collection -----------------------------------------------------------------------------------------
SKIPPED_ON_IMPORT: dict[Path, str] = {}
"""The test modules that skip themselves when imported (``pytest.importorskip`` of an optional package
this machine lacks), with the reason: they declare nothing the shared checks could run here."""


def declaring_modules() -> list[ModuleType]:
    """Every test module outside ``tests/backends``, imported under the name pytest gives it
    (``tests.layers.test_gather``), so that a module pytest has imported is not imported again; those that
    skip on import are left out (:data:`SKIPPED_ON_IMPORT`)."""
    modules = []
    for path in sorted(TESTS.rglob("test_*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if relative.parts[1] == "backends" or path.resolve() in SKIPPED_ON_IMPORT:
            continue
        try:
            modules.append(_load(".".join(relative.parts), path))
        except pytest.skip.Exception as skipped:
            SKIPPED_ON_IMPORT[path.resolve()] = str(skipped)
    return modules


def onnx_rows() -> list[Row]:
    """The ``onnx_rows()`` of every test module; row ids are unique."""
    modules = [module for module in declaring_modules() if _declares(module, "onnx_rows")]
    rows = [row for module in modules for row in module.onnx_rows()]
    ids = [row.id for row in rows]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"ONNX rows declared twice: {twice}")
    return rows


def tensorrt_cases() -> dict[str, CaseFn]:
    """The ``@tensorrt_case`` functions of every test module, by name."""
    declaring_modules()
    return dict(_CASES)


def tensorrt_expectations() -> list[Expectation]:
    """The ``@tensorrt_expectation`` rows of every test module; names are unique."""
    declaring_modules()
    names = [e.name for e in _EXPECTATIONS]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"TensorRT expectations declared twice: {twice}")
    return list(_EXPECTATIONS)


def adversarial_calls() -> dict[str, Callable[[Any], dict]]:
    """The ``ADVERSARIAL_CALLS`` of every test module: for a ``td`` function's name, the arguments of a
    valid call given a fresh ``tests/test_adversarial.py`` Env (which then calls it with bad values)."""
    calls: dict[str, Callable[[Any], dict]] = {}
    for module in declaring_modules():
        for name, base in (module.ADVERSARIAL_CALLS if _declares(module, "ADVERSARIAL_CALLS") else {}).items():
            if calls.setdefault(name, base) is not base:
                raise ValueError(f"adversarial calls of td.{name} declared twice")
    return calls


def _declares(module: ModuleType, name: str) -> bool:
    """Whether ``module`` declares ``name`` itself (not the collector of that name, imported from here)."""
    value = getattr(module, name, None)
    return value is not None and getattr(value, "__module__", module.__name__) == module.__name__


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
