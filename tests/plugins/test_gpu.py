"""The example plugins' GPU kernels against their NumPy references, on random inputs (needs CuPy and a
CUDA GPU; skipped without them). Where TensorRT's Python bindings import, the JIT kernels also run
through tensorrt.plugin's own plugin object (``enqueue``, as an engine calls it).

Set TRTDSL_GPU_REPORT to a file name to get the figures (max error per plugin and input) as JSON."""

import json
import math
import os

import numpy as np
import pytest
from plugins.helpers import REGISTRY, example

import trtdsl as td
from trtdsl.plugins import gpu

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(gpu.available() is not None, reason=f"{gpu.available()}")]

SHAPES = [(1,), (3, 8), (64, 257), (2, 3, 1000)]
TOLERANCE = {np.float32: 2e-6, np.float16: 1e-3}
FIGURES: list[dict] = []


def inputs(name, shape, dtype, rng):
    x = rng.normal(0, 3, size=shape).astype(dtype)
    if name == "RmsNorm":
        return x, rng.uniform(0.5, 1.5, size=shape[-1:]).astype(dtype)
    return (x,)


def plugins():
    ex = example()
    return {
        "ClampGelu": ex.ClampGelu(limit=2.5),
        "RmsNorm": ex.RmsNorm(eps=1e-5),
        "SelectAbove": ex.SelectAbove(threshold=1.0),
    }


def record(**figures):
    FIGURES.append(figures)
    path = os.environ.get("TRTDSL_GPU_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(FIGURES, f, indent=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["f32", "f16"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", ["ClampGelu", "RmsNorm", "SelectAbove"])
def test_kernel_matches_reference(name, shape, dtype):
    plugin = plugins()[name]
    arrays = inputs(name, shape, dtype, np.random.default_rng(math.prod(shape)))
    tol = TOLERANCE[dtype]
    result = gpu.compare(plugin, *arrays, rtol=tol, atol=tol)
    record(
        plugin=name,
        path="kernel",
        shape=list(shape),
        dtype=np.dtype(dtype).name,
        max_abs_error=result.max_abs_error,
        elements=result.elements,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["f32", "f16"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_aot_kernel_matches_reference(shape, dtype):
    plugin = plugins()["ClampGelu"]
    (x,) = inputs("ClampGelu", shape, dtype, np.random.default_rng(7))
    tol = TOLERANCE[dtype]
    result = gpu.compare(plugin, x, aot=True, rtol=tol, atol=tol)
    record(
        plugin="ClampGelu",
        path="aot",
        shape=list(shape),
        dtype=np.dtype(dtype).name,
        max_abs_error=result.max_abs_error,
        elements=result.elements,
    )


def test_kernel_sizes_are_checked():
    ex = example()

    @td.plugin("gputest::bad_size")
    class BadSize:
        def shape(self, x):
            return td.TensorType(x.dtype, (td.data_dependent_dim(x.shape[0]),))

        def reference(self, x):
            return x.copy()

        def kernel(self, x, y, stream):
            return x.shape[0] + 1

    with pytest.raises(
        td.ExecutionError,
        match=r"gputest::bad_size: kernel returned 5 for data-dependent size n#\d+; "
        r"expected an int in \[0, 4\]",
    ):
        gpu.run_kernel(BadSize(), np.zeros(4, np.float32))
    assert ex.SelectAbove(threshold=10.0)  # the example module stays importable next to other definitions


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["f32", "f16"])
@pytest.mark.parametrize("name", ["ClampGelu", "RmsNorm", "SelectAbove"])
def test_jit_kernel_through_tensorrt_plugin(name, dtype, monkeypatch):
    trt = pytest.importorskip("tensorrt")
    pytest.importorskip("tensorrt.plugin")
    import cupy as cp

    from trtdsl.backends.tensorrt.lowering.plugins import fields
    from trtdsl.backends.tensorrt.plugins import ensure_registered

    if trt.get_plugin_registry() is None:
        monkeypatch.setattr(trt, "get_plugin_registry", lambda: REGISTRY)
    plugin = plugins()[name]
    shape = (4, 300)
    arrays = inputs(name, shape, dtype, np.random.default_rng(3))
    net = td.Network("jit")
    tensors = [net.input(f"i{k}", td.dtype(a.dtype), a.shape) for k, a in enumerate(arrays)]
    outs = plugin(*tensors)
    node = (outs[0] if isinstance(outs, tuple) else outs).producer
    definition = node.op.definition
    ensure_registered(definition, trt)
    creator = trt.get_plugin_registry().get_creator(node.op.name, "1", node.op.namespace)
    collection, _keep_alive = fields(trt, definition, node.op.fields)
    qdp = creator.create_plugin(
        node.op.name,
        node.op.namespace,
        collection,
        trt.TensorRTPhase.BUILD,
        trt.QuickPluginCreationRequest.STRICT_JIT,
    )
    trt_types = [getattr(trt.DataType, td.dtype(a.dtype).trt) for a in arrays]
    out_types = qdp.get_output_data_types(trt_types, [a.ndim for a in arrays])

    def desc(dims, dtype_):
        d = trt.PluginTensorDesc()
        d.dims = trt.Dims(list(dims))
        d.type = dtype_
        d.format = trt.TensorFormat.LINEAR
        d.scale = 1.0
        return d

    declared, buffers = definition.kernel_outputs(plugin, [t.type for t in tensors])
    device_in = [cp.asarray(a) for a in arrays]
    device_out = [cp.zeros(s, t.dtype.numpy) for s, t in zip(buffers, declared.outputs)]
    device_out += [cp.zeros((), cp.int32) for _ in declared.sizes]
    out_dims = [tuple(-1 if not isinstance(d, int) else d for d in t.shape) for t in declared.outputs]
    out_dims += [() for _ in declared.sizes]
    stream = cp.cuda.Stream(non_blocking=True)
    qdp.enqueue(
        [desc(a.shape, t) for a, t in zip(arrays, trt_types)],
        [desc(d, t) for d, t in zip(out_dims, out_types)],
        [a.data.ptr for a in device_in],
        [o.data.ptr for o in device_out],
        [tuple(s // a.itemsize for s in a.strides) for a in device_in],
        [tuple(s // o.itemsize for s in o.strides) for o in device_out],
        stream.ptr,
    )
    stream.synchronize()
    want = node.op.reference(*arrays)
    sizes = [int(s.get()) for s in device_out[len(declared.outputs) :]]
    bound = dict(zip((s.symbol for s in declared.sizes), sizes))
    worst = 0.0
    tol = TOLERANCE[dtype]
    for buffer, ty, w in zip(device_out, declared.outputs, want):
        actual = tuple(d if isinstance(d, int) else bound[d] for d in ty.shape)
        got = cp.asnumpy(buffer).reshape(-1)[: math.prod(actual)].reshape(actual)
        np.testing.assert_allclose(got.astype(np.float64), w.astype(np.float64), rtol=tol, atol=tol)
        if got.size:
            worst = max(worst, float(np.abs(got.astype(np.float64) - w.astype(np.float64)).max()))
    record(
        plugin=name,
        path="tensorrt.plugin enqueue",
        shape=list(shape),
        dtype=np.dtype(dtype).name,
        max_abs_error=worst,
        elements=int(sum(w.size for w in want)),
    )
