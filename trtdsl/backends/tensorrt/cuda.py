"""CUDA through cuda-python (``cuda.bindings.runtime``): device buffers, streams, copies, events, and
device arrays in and out (DLPack in, ``__cuda_array_interface__`` out).

- :class:`DeviceBuffer`: ``cudaMalloc``'d bytes, freed with the object.
- :class:`Stream`, :class:`Event`: a CUDA stream and events on it (``Event.elapsed_ms`` times work).
- :func:`import_dlpack`: a zero-copy :class:`DeviceView` of any DLPack producer on a CUDA device
  (CuPy, PyTorch, JAX, ...), made ready on our stream as the DLPack protocol specifies.
- :class:`DeviceArray`: engine outputs on the device; CuPy (``cupy.asarray``) and PyTorch
  (``torch.as_tensor(..., device="cuda")``) take them without copying, ``numpy()`` copies to the host.

cuda-python is imported on first use; without it (or without a GPU) these raise a BackendError.

>>> import numpy as np
>>> def round_trip(values):                  # host -> device -> host, timed with events
...     stream, start, end = Stream(), Event(), Event()
...     buffer = DeviceBuffer(values.nbytes)
...     start.record(stream)
...     buffer.copy_from_host(values, stream)
...     end.record(stream)
...     assert end.elapsed_ms(start) >= 0
...     return DeviceArray(buffer, values.shape, dtypes.float32).numpy(stream)
>>> values = np.arange(6, dtype=np.float32).reshape(2, 3)
>>> bool(np.array_equal(round_trip(values), values)) if device_count() else True   # needs a GPU
True
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError, InputError

_runtime: Any = None


def runtime() -> Any:
    """``cuda.bindings.runtime`` (cuda-python 12.6 and later; ``cuda.cudart`` in older releases)."""
    global _runtime
    if _runtime is None:
        try:
            from cuda.bindings import runtime as rt  # noqa: PLC0415  (optional dependency)
        except ImportError:
            try:
                from cuda import cudart as rt  # noqa: PLC0415
            except ImportError:
                raise BackendError(
                    "the TensorRT runtime needs cuda-python (pip install cuda-python)"
                ) from None
        _runtime = rt
    return _runtime


def check(result: Any, what: str) -> Any:
    """The values of a cuda-python call's ``(error, *values)`` result, or a BackendError naming the error."""
    err, *values = result if isinstance(result, tuple) else (result,)
    if int(err) != 0:
        rt = runtime()
        _, text = rt.cudaGetErrorString(err)
        raise BackendError(
            f"CUDA: {what} failed: {getattr(err, 'name', err)} ({text.decode(errors='replace')})"
        )
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def device_count() -> int:
    """The number of CUDA devices (0 when there is no driver or no GPU).

    >>> device_count() >= 0
    True
    """
    try:
        rt = runtime()
    except BackendError:
        return 0
    err, count = rt.cudaGetDeviceCount()
    return int(count) if int(err) == 0 else 0


def _handle(obj: Any) -> int:
    """A CUDA handle or pointer as an int (cuda-python objects convert with int())."""
    return int(obj) if obj is not None else 0


class Stream:
    """A CUDA stream (``cudaStreamCreateWithFlags(cudaStreamNonBlocking)``), destroyed with the object."""

    def __init__(self) -> None:
        rt = runtime()
        self._stream = check(
            rt.cudaStreamCreateWithFlags(rt.cudaStreamNonBlocking), "cudaStreamCreateWithFlags"
        )

    @property
    def handle(self) -> int:
        return _handle(self._stream)

    def synchronize(self) -> None:
        check(runtime().cudaStreamSynchronize(self._stream), "cudaStreamSynchronize")

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None and _runtime is not None:
            _runtime.cudaStreamDestroy(stream)


class Event:
    """A CUDA event; ``record(stream)`` it, then ``elapsed_ms(earlier)`` gives the time between two."""

    def __init__(self) -> None:
        self._event = check(runtime().cudaEventCreate(), "cudaEventCreate")

    def record(self, stream: Stream) -> None:
        check(runtime().cudaEventRecord(self._event, stream._stream), "cudaEventRecord")

    def synchronize(self) -> None:
        check(runtime().cudaEventSynchronize(self._event), "cudaEventSynchronize")

    def elapsed_ms(self, start: Event) -> float:
        """Milliseconds from ``start`` to this event (both recorded; waits for this one)."""
        self.synchronize()
        return float(check(runtime().cudaEventElapsedTime(start._event, self._event), "cudaEventElapsedTime"))

    def __del__(self) -> None:
        event = getattr(self, "_event", None)
        if event is not None and _runtime is not None:
            _runtime.cudaEventDestroy(event)


class DeviceBuffer:
    """``nbytes`` of device memory (at least one byte, as TensorRT wants a valid address even for
    empty tensors), freed with the object."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes = int(nbytes)
        self.ptr = _handle(check(runtime().cudaMalloc(max(self.nbytes, 1)), f"cudaMalloc({self.nbytes})"))

    def copy_from_host(self, array: np.ndarray, stream: Stream) -> None:
        """Start copying the C-contiguous ``array`` into this buffer on ``stream`` (keep ``array`` alive
        until the stream is synchronized)."""
        self._copy(array, stream, to_host=False)

    def copy_to_host(self, array: np.ndarray, stream: Stream) -> None:
        """Start copying this buffer's first ``array.nbytes`` bytes into the C-contiguous ``array``."""
        self._copy(array, stream, to_host=True)

    def _copy(self, array: np.ndarray, stream: Stream, to_host: bool) -> None:
        what = "device to host" if to_host else "host to device"
        if array.nbytes > self.nbytes:
            direction = "out of" if to_host else "into"
            raise BackendError(f"copy of {array.nbytes} bytes {direction} a device buffer of {self.nbytes}")
        if array.nbytes:
            rt = runtime()
            if to_host:
                dst, src, kind = array.ctypes.data, self.ptr, rt.cudaMemcpyKind.cudaMemcpyDeviceToHost
            else:
                dst, src, kind = self.ptr, array.ctypes.data, rt.cudaMemcpyKind.cudaMemcpyHostToDevice
            check(
                rt.cudaMemcpyAsync(dst, src, array.nbytes, kind, stream._stream), f"cudaMemcpyAsync ({what})"
            )

    def __del__(self) -> None:
        ptr = getattr(self, "ptr", 0)
        if ptr and _runtime is not None:
            _runtime.cudaFree(ptr)


class DeviceArray:
    """An array in device memory: ``shape``, ``dtype`` (a trtdsl DType) and the buffer holding it.

    It exports ``__cuda_array_interface__`` (version 3), so ``cupy.asarray(a)`` and
    ``torch.as_tensor(a, device="cuda")`` use its memory without copying; ``numpy()`` (and
    ``np.asarray(a)``) copy it to the host.
    """

    def __init__(self, buffer: DeviceBuffer, shape: tuple[int, ...], dtype: DType) -> None:
        self.buffer = buffer
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype!r}, ptr={self.buffer.ptr:#x})"

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.numpy.itemsize

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "typestr": self.dtype.numpy.str,
            "data": (self.buffer.ptr, False),
            "version": 3,
            "strides": None,
            "stream": None,
        }

    def numpy(self, stream: Stream | None = None) -> np.ndarray:
        """A host copy (synchronous)."""
        out = np.empty(self.shape, self.dtype.numpy)
        own = stream or Stream()
        self.buffer.copy_to_host(out, own)
        own.synchronize()
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)


# -- DLPack ----------------------------------------------------------------------------------------------
class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", _DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


DL_CPU, DL_CUDA, DL_CUDA_HOST, DL_CUDA_MANAGED = 1, 2, 3, 13
# (DLDataTypeCode, bits) -> DType: kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLBool 6
_DL_DTYPES = {
    (2, 32): dtypes.float32,
    (2, 16): dtypes.float16,
    (4, 16): dtypes.bfloat16,
    (0, 32): dtypes.int32,
    (0, 64): dtypes.int64,
    (0, 8): dtypes.int8,
    (1, 8): dtypes.uint8,
    (6, 8): dtypes.bool_,
}

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


@attrs.frozen(eq=False)
class DeviceView:
    """A zero-copy view of a DLPack producer's device memory: address, shape, element strides, dtype.
    ``owner`` (the DLPack capsule) keeps the memory alive; the producer frees it when the capsule goes."""

    ptr: int
    shape: tuple[int, ...]
    strides: tuple[int, ...] | None
    dtype: DType
    device_id: int
    owner: Any

    @property
    def is_contiguous(self) -> bool:
        """Row-major and dense (what TensorRT's default I/O format needs)."""
        if self.strides is None:
            return True
        expected = 1
        for dim, stride in zip(reversed(self.shape), reversed(self.strides)):
            if dim != 1 and stride != expected:
                return False
            expected *= dim
        return True


def is_device_array(value: Any) -> bool:
    """Whether ``value`` is a DLPack producer whose memory is on a CUDA device."""
    device = getattr(value, "__dlpack_device__", None)
    if device is None or isinstance(value, np.ndarray):
        return False
    try:
        kind, _ = device()
    except Exception:  # a producer that cannot say where it lives is not usable on the device
        return False
    return int(kind) in (DL_CUDA, DL_CUDA_MANAGED)


def import_dlpack(value: Any, stream: Stream, what: str = "input") -> DeviceView:
    """A :class:`DeviceView` of the DLPack producer ``value``; its data is ready on ``stream``."""
    try:
        capsule = value.__dlpack__(stream=stream.handle or 1)
    except TypeError:
        capsule = value.__dlpack__()
    pointer = _capsule_pointer(capsule, b"dltensor")
    tensor = _DLManagedTensor.from_address(pointer).dl_tensor
    if tensor.device.device_type not in (DL_CUDA, DL_CUDA_MANAGED):
        raise InputError(
            f"run: {what} is on DLPack device type {tensor.device.device_type}, not a CUDA device"
        )
    key = (tensor.dtype.code, tensor.dtype.bits)
    found = _DL_DTYPES.get(key) if tensor.dtype.lanes == 1 else None
    if found is None:
        raise InputError(
            f"run: {what} has DLPack dtype (code {key[0]}, {key[1]} bits, {tensor.dtype.lanes} lanes), "
            "which TensorRT I/O does not take"
        )
    shape = tuple(tensor.shape[i] for i in range(tensor.ndim))
    strides = tuple(tensor.strides[i] for i in range(tensor.ndim)) if tensor.strides else None
    address = int(tensor.data or 0) + int(tensor.byte_offset)
    return DeviceView(address, shape, strides, found, int(tensor.device.device_id), capsule)
