"""Running TensorRT engines: :class:`Engine` is callable with NumPy arrays or device arrays and returns
the outputs; it is saved to and loaded from files that detect truncation and corruption.

Execution uses TensorRT's name-based API: ``set_input_shape`` and ``set_tensor_address`` for every input,
an address for every output whose shape is known before running, an output allocator
(``IOutputAllocator``) for outputs whose shape depends on the data, then ``execute_async_v3`` on one
CUDA stream. NumPy inputs are copied to the device and outputs back (NumPy arrays out); device inputs
(any DLPack producer on the GPU: CuPy, PyTorch, ...) are used in place and the outputs stay on the device
(:class:`~trtdsl.backends.tensorrt.cuda.DeviceArray`). The optimization profile is chosen per call from
the input shapes.

Plan files: ``engine.save(path)`` writes a header (magic, format, TensorRT version, SHA-256 and size of
the plan, input/output names) and the plan, atomically (see :mod:`trtdsl._files`).
``Engine.load(path)`` checks all of it before TensorRT sees the bytes; a file without the header is
taken as a bare TensorRT plan (from trtexec, say).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from typing import Any, Mapping

import numpy as np

from trtdsl._files import atomic_write
from trtdsl.backends.tensorrt import cuda
from trtdsl.backends.tensorrt.api import WIDENED_CONSTANTS, TensorRT, import_tensorrt
from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import (
    ArgumentError, BackendError, ExecutionError, InputError, bad_argument, mismatches, shown,
)

MAGIC = b"TRTDSL-PLAN\x00"
FORMAT = 1
_HEADER = struct.Struct("<12sII")  # magic, format, length of the JSON header that follows


def pack_plan(plan: bytes, header: Mapping[str, Any]) -> bytes:
    """A plan file's bytes: the fixed header, the JSON header (with the plan's size and SHA-256), the plan.

    >>> data = pack_plan(b"plan", {"tensorrt": "11.4.0.106"})
    >>> data[:12], data.endswith(b"plan"), b'"plan_bytes": 4' in data
    (b'TRTDSL-PLAN\\x00', True, True)
    """
    meta = dict(header, plan_bytes=len(plan), sha256=hashlib.sha256(plan).hexdigest())
    text = json.dumps(meta, sort_keys=True).encode()
    return _HEADER.pack(MAGIC, FORMAT, len(text)) + text + plan


def unpack_plan(data: bytes, source: str) -> tuple[bytes, dict[str, Any]]:
    """The plan and header of a plan file's bytes; a bare TensorRT plan comes back with an empty header.

    >>> data = pack_plan(b"plan-bytes", {"tensorrt": "11.4.0.106"})
    >>> unpack_plan(data, "x.engine")[0]
    b'plan-bytes'
    >>> try:
    ...     unpack_plan(data[:-3], "x.engine")
    ... except BackendError as e:
    ...     print(e.message)
    engine file x.engine is truncated: its plan has 7 of 10 bytes
    """
    if not data.startswith(MAGIC[:8]):
        return data, {}
    if len(data) < _HEADER.size:
        raise BackendError(f"engine file {source} is truncated: {len(data)} bytes, shorter than its header")
    magic, fmt, length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise BackendError(f"engine file {source} is corrupted: its header does not start with {MAGIC!r}")
    if fmt != FORMAT:
        raise BackendError(f"engine file {source} has format {fmt}; this trtdsl reads format {FORMAT}")
    body = data[_HEADER.size :]
    if len(body) < length:
        raise BackendError(f"engine file {source} is truncated inside its header")
    try:
        header = json.loads(body[:length])
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested deeper than Python's stack
        header = None
    if not isinstance(header, dict):
        raise BackendError(f"engine file {source} is corrupted: its header is not valid")
    expected, digest = header.get("plan_bytes"), header.get("sha256")
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0 \
            or not isinstance(digest, str):
        raise BackendError(f"engine file {source} is corrupted: its header is not valid")
    plan = body[length:]
    if len(plan) < expected:
        raise BackendError(f"engine file {source} is truncated: its plan has {len(plan)} of {expected} bytes")
    if len(plan) > expected:
        raise BackendError(f"engine file {source} is corrupted: {len(plan) - expected} bytes follow its plan")
    if hashlib.sha256(plan).hexdigest() != digest:
        raise BackendError(f"engine file {source} is corrupted: its plan does not match its SHA-256 checksum")
    return plan, header


class _Tensor:
    """One I/O tensor of an engine: name, input or output, dtype, shape (-1 for dynamic dims), and whether
    it lives in host memory (shape-tensor inputs and outputs: ``TensorLocation.HOST``)."""

    def __init__(
        self, name: str, is_input: bool, dtype: DType, shape: tuple[int, ...], on_host: bool = False
    ) -> None:
        self.name = name
        self.is_input = is_input
        self.dtype = dtype
        self.shape = shape
        self.on_host = on_host


class Engine:
    """A built TensorRT engine, callable like the network it was built from:
    ``engine(x=array)`` or ``engine(array)`` (inputs in order) returns ``{output name: array}``.

    ``plan`` is TensorRT's serialized engine. ``network`` (the trtdsl network, when known) is only used in
    messages; the engine's own I/O description is what calls are checked against.

    >>> import os, tempfile
    >>> from trtdsl.backends.tensorrt import standin
    >>> trt = standin.module("11.4")
    >>> path = os.path.join(tempfile.mkdtemp(), "net.engine")
    >>> Engine(b"serialized plan", trt).save(path)
    >>> Engine.load(path, trt).plan
    b'serialized plan'
    """

    def __init__(
        self, plan: bytes, trt: Any = None, *, network: Any = None, version_compatible: bool = False
    ) -> None:
        self.plan = bytes(plan)
        self.api = TensorRT(trt if trt is not None else import_tensorrt())
        self.network = network
        self.version_compatible = version_compatible
        self._engine: Any = None
        self._context: Any = None
        self._stream: cuda.Stream | None = None
        self._profile = -1
        self._allocator: Any = None
        self._logger: Any = None
        self._refitted = False  # the plan predates a refit: save() serializes the engine again

    def __repr__(self) -> str:
        names = ", ".join(t.name for t in self.io) if self._engine is not None else "not loaded"
        return f"Engine(TensorRT {self.api.version}, {len(self.plan)} bytes; {names})"

    # -- files -------------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the engine to ``path`` atomically, with a header that :meth:`load` checks (after
        :meth:`refit`, the refitted engine, serialized again)."""
        if self._refitted:
            self.plan = bytes(memoryview(self.engine.serialize()))
            self._refitted = False
        header = {
            "tensorrt": self.api.version,
            "version_compatible": self.version_compatible,
            "network": getattr(self.network, "name", None),
        }
        atomic_write(path, pack_plan(self.plan, header), fn="save")

    @classmethod
    def load(cls, path: str | os.PathLike[str], trt: Any = None) -> Engine:
        """The engine saved at ``path`` (a trtdsl plan file, or a bare TensorRT plan). A truncated or
        corrupted file, or one built by another TensorRT version (unless version-compatible), is a
        BackendError."""
        source = os.fspath(path)
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise BackendError(f"cannot read engine file {source}: {exc.strerror}") from None
        plan, header = unpack_plan(data, source)
        engine = cls(plan, trt, version_compatible=bool(header.get("version_compatible", False)))
        built = header.get("tensorrt")
        if built and built != engine.api.version and not engine.version_compatible:
            raise BackendError(
                f"engine file {source} was built by TensorRT {built} without version compatibility; "
                f"this is TensorRT {engine.api.version}: rebuild it, or build with "
                "version_compatible=True"
            )
        return engine

    # -- the engine --------------------------------------------------------------------------------------
    @property
    def engine(self) -> Any:
        """TensorRT's ``ICudaEngine`` (deserialized on first use)."""
        if self._engine is None:
            from trtdsl.backends.tensorrt.build import LoggingLogger

            trt = self.api.trt
            self._logger = LoggingLogger(trt)
            runtime = trt.Runtime(self._logger)
            if self.version_compatible:
                runtime.engine_host_code_allowed = True
            engine = runtime.deserialize_cuda_engine(self.plan)
            if engine is None:
                detail = "; ".join(self._logger.errors[-3:]) or "no error was logged"
                raise BackendError(f"TensorRT {self.api.version} could not deserialize the engine: {detail}")
            self._runtime = runtime
            self._engine = engine
            self.io = self._describe(engine)
        return self._engine

    def _describe(self, engine: Any) -> list[_Tensor]:
        trt = self.api.trt
        io = []
        for i in range(engine.num_io_tensors):
            name = engine.get_tensor_name(i)
            is_input = engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
            dtype = self.api.from_dtype(engine.get_tensor_dtype(name))
            shape = tuple(int(d) for d in engine.get_tensor_shape(name))
            on_host = engine.get_tensor_location(name) == trt.TensorLocation.HOST
            io.append(_Tensor(name, is_input, dtype, shape, on_host))
        return io

    @property
    def inputs(self) -> list[str]:
        self.engine  # noqa: B018  (loads the engine)
        return [t.name for t in self.io if t.is_input]

    @property
    def outputs(self) -> list[str]:
        self.engine  # noqa: B018
        return [t.name for t in self.io if not t.is_input]

    # -- running -----------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run the engine on inputs given in order (``args``) or by name (``kwargs``)."""
        feeds = self._bind(args, kwargs)
        return self.run(feeds)

    def _bind(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        names = self.inputs
        if len(args) > len(names):
            raise InputError(
                f"run: the engine takes {len(names)} inputs ({', '.join(names)}); got {len(args)}"
            )
        feeds = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in feeds:
                raise InputError(f"run: input {key!r} given twice")
            feeds[key] = value
        return feeds

    def run(self, feeds: Mapping[str, Any]) -> dict[str, Any]:
        """Run on ``feeds`` (input name -> array): NumPy arrays give NumPy outputs; device arrays give
        :class:`~trtdsl.backends.tensorrt.cuda.DeviceArray` outputs."""
        unknown = sorted(set(feeds) - set(self.inputs))
        if unknown:
            raise InputError(
                f"run: the engine has no input named {unknown[0]!r}; its inputs are {self.inputs}"
            )
        missing = [n for n in self.inputs if n not in feeds]
        if missing:
            raise InputError(f"run: missing input {missing[0]!r}")
        context, stream = self._execution()
        on_device = any(cuda.is_device_array(v) for v in feeds.values())
        keep: list[Any] = []
        shapes = {}
        addresses = {}
        for t in self.io:
            if t.is_input:
                shapes[t.name], addresses[t.name] = self._input(t, feeds[t.name], stream, keep)
        self._select_profile(shapes, stream)
        for name, shape in shapes.items():
            if not context.set_input_shape(name, self.api.dims(shape)):
                raise InputError(
                    f"run: input {name!r} has shape {shape}, which the engine's optimization profiles "
                    f"do not allow ({self._profile_text(name)})"
                )
            context.set_tensor_address(name, addresses[name])
        results: dict[str, Any] = {}
        allocator = self._output_allocator()
        allocator.reset()
        buffers: dict[str, tuple[cuda.DeviceBuffer, tuple[int, ...]]] = {}
        for t in self.io:
            if t.is_input:
                continue
            shape = tuple(int(d) for d in context.get_tensor_shape(t.name))
            if t.on_host:  # a shape output: TensorRT writes it to host memory
                results[t.name] = np.empty(shape, t.dtype.numpy)
                context.set_tensor_address(t.name, results[t.name].ctypes.data)
                continue
            if any(d < 0 for d in shape):
                context.set_output_allocator(t.name, allocator)
                continue
            buffer = cuda.DeviceBuffer(math.prod(shape) * t.dtype.numpy.itemsize)
            context.set_tensor_address(t.name, buffer.ptr)
            buffers[t.name] = (buffer, shape)
        if not context.execute_async_v3(stream.handle):
            detail = "; ".join(self._logger.errors[-3:]) or "no error was logged"
            raise ExecutionError(f"TensorRT could not run the engine: {detail}")
        for t in self.io:
            if t.is_input or t.on_host:
                continue
            buffer, shape = buffers[t.name] if t.name in buffers else allocator.result(t.name)
            if on_device:
                results[t.name] = cuda.DeviceArray(buffer, shape, t.dtype)
            else:
                host = np.empty(shape, t.dtype.numpy)
                buffer.copy_to_host(host, stream)
                results[t.name] = host
        stream.synchronize()
        return {t.name: results[t.name] for t in self.io if not t.is_input}

    def _execution(self) -> tuple[Any, cuda.Stream]:
        """The execution context and the CUDA stream every run uses (made on first use)."""
        if self._context is None or self._stream is None:
            self._context = self.engine.create_execution_context()
            self._stream = cuda.Stream()
        return self._context, self._stream

    def _input(self, t: _Tensor, value: Any, stream: cuda.Stream, keep: list) -> tuple[tuple[int, ...], int]:
        """The shape and device address of one input, copied to the device if it is on the host (the host
        address of a shape-tensor input, which TensorRT reads on the host)."""
        if t.on_host:
            if cuda.is_device_array(value):
                raise InputError(
                    f"run: shape-tensor input {t.name!r} is read on the host; give a NumPy array"
                )
            array = np.asarray(value, order="C")  # (np.ascontiguousarray makes 0-D arrays 1-D)
            if array.dtype != t.dtype.numpy:
                raise InputError(
                    f"run: shape-tensor input {t.name!r} has dtype {array.dtype}; the engine takes "
                    f"{t.dtype.numpy}"
                )
            keep.append(array)
            shape, ptr = array.shape, array.ctypes.data
        elif cuda.is_device_array(value):
            view = cuda.import_dlpack(value, stream, f"input {t.name!r}")
            keep.append(view)
            if view.dtype != t.dtype:
                raise InputError(
                    f"run: input {t.name!r} has dtype {view.dtype.name}; the engine takes {t.dtype.name}"
                )
            if not view.is_contiguous:
                raise InputError(
                    f"run: input {t.name!r} has strides {view.strides} (elements); the engine takes "
                    "row-major contiguous arrays (e.g. .contiguous() in PyTorch, cupy.ascontiguousarray)"
                )
            shape, ptr = view.shape, view.ptr
        else:
            array = np.asarray(value, order="C")  # (np.ascontiguousarray makes 0-D arrays 1-D)
            if array.dtype != t.dtype.numpy:
                raise InputError(
                    f"run: input {t.name!r} has dtype {array.dtype}; the engine takes {t.dtype.numpy} "
                    f"({t.dtype!r}); convert it with .astype"
                )
            buffer = cuda.DeviceBuffer(array.nbytes)
            buffer.copy_from_host(array, stream)
            keep.extend((array, buffer))
            shape, ptr = array.shape, buffer.ptr
        if len(shape) != len(t.shape) or any(d >= 0 and d != s for d, s in zip(t.shape, shape)):
            raise InputError(
                f"run: input {t.name!r} has shape {tuple(shape)}; the engine takes {t.shape} (-1: any size)"
            )
        return tuple(int(d) for d in shape), ptr

    def _select_profile(self, shapes: dict[str, tuple[int, ...]], stream: cuda.Stream) -> None:
        """Switch to the first optimization profile whose ranges hold ``shapes`` (profile 0 if none does:
        ``set_input_shape`` then reports the shape)."""
        engine = self.engine
        dynamic = [t for t in self.io if t.is_input and any(d < 0 for d in t.shape)]
        chosen = 0
        for index in range(engine.num_optimization_profiles):
            if all(_within(engine.get_tensor_profile_shape(t.name, index), shapes[t.name]) for t in dynamic):
                chosen = index
                break
        if chosen != self._profile:
            self._context.set_optimization_profile_async(chosen, stream.handle)
            self._profile = chosen

    def _profile_text(self, name: str) -> str:
        engine = self.engine
        ranges = []
        for index in range(engine.num_optimization_profiles):
            low, _, high = engine.get_tensor_profile_shape(name, index)
            ranges.append(f"profile {index}: {tuple(low)} to {tuple(high)}")
        return "; ".join(ranges) or "no profiles"

    def _output_allocator(self) -> Any:
        if self._allocator is None:
            self._allocator = output_allocator(self.api.trt)
        return self._allocator

    def benchmark(self, feeds: Mapping[str, Any], iterations: int = 100, warmup: int = 10) -> float:
        """Milliseconds per run on ``feeds``: ``warmup`` untimed runs, then ``iterations`` runs between two
        CUDA events on the engine's stream."""
        for arg, value, low in (("iterations", iterations, 1), ("warmup", warmup, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise bad_argument("benchmark", arg, value, f"an int >= {low}")
        for _ in range(warmup):
            self.run(feeds)
        _, stream = self._execution()
        start, end = cuda.Event(), cuda.Event()
        start.record(stream)
        for _ in range(iterations):
            self.run(feeds)
        end.record(stream)
        return end.elapsed_ms(start) / iterations

    # -- refitting ---------------------------------------------------------------------------------------
    def refit(self, weights: Any) -> None:
        """Give the engine's refittable weights new values, through TensorRT's ``Refitter``
        (``set_named_weights``, then ``refit_cuda_engine``). ``weights`` maps weights names (those of the
        constants the network named: the parameter paths of :mod:`trtdsl.nn` modules) to arrays, or is a
        module, whose ``state_dict()`` is used. The engine must be built with ``refittable=`` (or
        ``refit=True``). A mapping that does not fit -- a name the engine has no refittable weights for, an
        array of another dtype or size -- is an ArgumentError listing every mismatch; weights TensorRT
        still needs (``get_missing_weights``: weights it combined with those given) are a BackendError
        naming them. bfloat16, bool and uint8 weights are stored widened (see the constant lowering) and
        are widened here too. :meth:`save` writes the refitted engine."""
        state = weights.state_dict() if callable(getattr(weights, "state_dict", None)) else weights
        if not isinstance(state, Mapping):
            raise bad_argument("refit", "weights", weights,
                               "a mapping of weights names to arrays, or a td.nn Module")
        trt = self.api.trt
        engine = self.engine
        refitter = trt.Refitter(engine, self._logger)
        known = set(refitter.get_all_weights())
        if not known:
            raise ArgumentError("refit: the engine has no refittable weights; build it with refittable=True "
                                "(the named constants) or refittable=[names]")
        problems, arrays = [], {}
        for name in sorted(str(k) for k in state if k not in known):
            problems.append(f"unexpected: {name} is not a refittable weights name of the engine")
        for name in sorted(k for k in state if k in known):
            problem, array = self._refit_array(refitter, name, state[name])
            if problem:
                problems.append(problem)
            else:
                arrays[name] = array
        if problems:
            raise mismatches("refit: the weights do not fit the engine", problems)
        keep = []
        for name, array in arrays.items():
            trt_weights, buffer = self.api.weights(array)
            keep.append(buffer)
            if not refitter.set_named_weights(name, trt_weights):
                detail = "; ".join(self._logger.errors[-3:]) or "no error was logged"
                raise BackendError(f"refit: TensorRT {self.api.version} refused weights {name!r}: {detail}")
        missing = sorted(refitter.get_missing_weights())
        if missing:
            raise BackendError(f"refit: TensorRT also needs weights {', '.join(missing)}, which the engine "
                               "combined with those given; give them too")
        if not refitter.refit_cuda_engine():
            detail = "; ".join(self._logger.errors[-3:]) or "no error was logged"
            raise BackendError(f"refit: TensorRT {self.api.version} could not refit the engine: {detail}")
        self._refitted = True

    def _refit_array(self, refitter: Any, name: str, value: Any) -> tuple[str | None, Any]:
        """Why ``value`` cannot be the weights ``name`` (None when it can), and the array to give TensorRT."""
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, RuntimeError):
            array = np.asarray(None)
        given = dtypes.of_array(array)
        if given is None:
            return f"not an array: {name} is {shown(value)}", None
        prototype = refitter.get_weights_prototype(name)
        expected = self.api.from_dtype(prototype.dtype)
        widened = WIDENED_CONSTANTS.get(given.trt)
        if given is not expected and widened is expected:
            array, given = array.astype(expected.numpy), expected
        if given is not expected:
            return f"wrong dtype: {name} is {given.name}; expected {expected.name}", None
        if array.size != prototype.size:
            return f"wrong size: {name} has {array.size} elements; expected {prototype.size}", None
        return None, array


def _within(ranges: Any, shape: tuple[int, ...]) -> bool:
    low, _, high = ranges
    return all(lo <= s <= hi for lo, s, hi in zip(low, shape, high))


_allocator_classes: dict[int, type] = {}


def output_allocator(trt: Any) -> Any:
    """A ``trt.IOutputAllocator`` for outputs whose shape TensorRT knows only while running: it gives
    TensorRT a device buffer of the size asked for (growing it when asked again) and records the
    shape TensorRT reports.

    >>> from trtdsl.backends.tensorrt import standin
    >>> trt = standin.module("10.16")
    >>> allocator = output_allocator(trt)
    >>> allocator.notify_shape("boxes", trt.Dims([7, 4]))
    >>> isinstance(allocator, trt.IOutputAllocator), allocator.shapes
    (True, {'boxes': (7, 4)})
    """
    cls = _allocator_classes.get(id(trt))
    if cls is None:
        base = trt.IOutputAllocator

        class _Allocator(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                base.__init__(self)
                self.buffers: dict[str, cuda.DeviceBuffer] = {}
                self.shapes: dict[str, tuple[int, ...]] = {}

            def reset(self) -> None:
                self.buffers.clear()
                self.shapes.clear()

            def reallocate_output(self, tensor_name: str, memory: int, size: int, alignment: int) -> int:
                buffer = self.buffers.get(tensor_name)
                if buffer is None or buffer.nbytes < size:
                    buffer = self.buffers[tensor_name] = cuda.DeviceBuffer(size)
                return buffer.ptr

            def reallocate_output_async(
                self, tensor_name: str, memory: int, size: int, alignment: int, stream: int
            ) -> int:
                return self.reallocate_output(tensor_name, memory, size, alignment)

            def notify_shape(self, tensor_name: str, shape: Any) -> None:
                self.shapes[tensor_name] = tuple(int(d) for d in shape)

            def result(self, name: str) -> tuple[cuda.DeviceBuffer, tuple[int, ...]]:
                if name not in self.shapes:
                    raise ExecutionError(f"TensorRT did not report the shape of output {name!r}")
                shape = self.shapes[name]
                buffer = self.buffers.get(name) or cuda.DeviceBuffer(0)
                return buffer, shape

        cls = _allocator_classes[id(trt)] = _Allocator
    return cls()
