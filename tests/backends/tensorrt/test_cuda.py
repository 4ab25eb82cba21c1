"""The CUDA layer of the TensorRT runtime (cuda-python's ``cuda.bindings``), on a GPU: device buffers and
copies, streams and events, DLPack inputs from CuPy and PyTorch, and device outputs that CuPy and PyTorch
take without copying. No TensorRT is needed; without a GPU these tests skip."""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td
from support import expect_error
from trtdsl.backends.tensorrt import cuda

pytestmark = pytest.mark.skipif(
    cuda.device_count() == 0, reason="needs a CUDA GPU and cuda-python (cuda.bindings)"
)


def test_host_device_host_round_trip():
    stream = cuda.Stream()
    values = np.arange(1000, dtype=np.float32) * 0.5
    buffer = cuda.DeviceBuffer(values.nbytes)
    buffer.copy_from_host(values, stream)
    back = np.empty_like(values)
    buffer.copy_to_host(back, stream)
    stream.synchronize()
    np.testing.assert_array_equal(back, values)
    assert buffer.ptr != 0 and buffer.nbytes == 4000


def test_empty_buffers_have_an_address():
    assert cuda.DeviceBuffer(0).ptr != 0


def test_copies_larger_than_the_buffer_are_refused():
    stream = cuda.Stream()
    buffer = cuda.DeviceBuffer(8)
    expect_error(
        td.BackendError,
        "copy of 16 bytes into a device buffer of 8",
        lambda: buffer.copy_from_host(np.zeros(4, np.float32), stream),
    )


def test_events_time_work_on_a_stream():
    stream = cuda.Stream()
    start, end = cuda.Event(), cuda.Event()
    big = np.ones(1 << 22, np.float32)
    buffer = cuda.DeviceBuffer(big.nbytes)
    start.record(stream)
    for _ in range(4):
        buffer.copy_from_host(big, stream)
    end.record(stream)
    assert end.elapsed_ms(start) > 0


def test_cuda_errors_are_backend_errors():
    rt = cuda.runtime()
    with pytest.raises(td.BackendError, match="CUDA: cudaMalloc failed: cudaErrorMemoryAllocation"):
        cuda.check(rt.cudaMalloc(1 << 62), "cudaMalloc")


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int64", "int8", "uint8", "bool"])
def test_dlpack_from_cupy(dtype):
    cp = pytest.importorskip("cupy")
    x = cp.arange(24).reshape(2, 3, 4).astype(dtype)
    view = cuda.import_dlpack(x, cuda.Stream())
    assert view.ptr == x.data.ptr and view.shape == (2, 3, 4) and view.dtype == td.dtype(dtype)
    assert view.is_contiguous


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int32", "int64", "bool"])
def test_dlpack_from_torch(dtype):
    torch = pytest.importorskip("torch")
    x = torch.zeros((2, 3), dtype=getattr(torch, dtype), device="cuda")
    view = cuda.import_dlpack(x, cuda.Stream())
    assert view.ptr == x.data_ptr() and view.shape == (2, 3) and view.dtype == td.dtype(dtype)
    assert (
        cuda.is_device_array(x)
        and not cuda.is_device_array(x.cpu())
        and not cuda.is_device_array(np.zeros(2))
    )


def test_dlpack_strides_and_offsets():
    torch = pytest.importorskip("torch")
    base = torch.arange(12, dtype=torch.float32, device="cuda").reshape(3, 4)
    view = cuda.import_dlpack(base[1:], cuda.Stream())
    assert view.ptr == base.data_ptr() + 16 and view.is_contiguous
    transposed = cuda.import_dlpack(base.t(), cuda.Stream())
    assert transposed.strides == (1, 4) and not transposed.is_contiguous


def test_device_arrays_go_to_cupy_and_torch_without_copies():
    cp = pytest.importorskip("cupy")
    torch = pytest.importorskip("torch")
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    buffer = cuda.DeviceBuffer(values.nbytes)
    stream = cuda.Stream()
    buffer.copy_from_host(values, stream)
    stream.synchronize()
    array = cuda.DeviceArray(buffer, (2, 3), td.float32)
    as_cupy = cp.asarray(array)
    assert as_cupy.data.ptr == buffer.ptr
    np.testing.assert_array_equal(as_cupy.get(), values)
    as_torch = torch.as_tensor(array, device="cuda")
    assert as_torch.data_ptr() == buffer.ptr
    np.testing.assert_array_equal(as_torch.cpu().numpy(), values)
    np.testing.assert_array_equal(np.asarray(array), values)
    np.testing.assert_array_equal(array.numpy(), values)
