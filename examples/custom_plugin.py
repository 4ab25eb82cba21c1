"""Custom layers as trtdsl plugins: defined once in Python, run on the NumPy reference everywhere,
checked with property tests, exported to ONNX, and built into TensorRT engines where TensorRT exists.

Three new plugins, each with a shape rule, a NumPy reference and a GPU kernel (CuPy):

- ``mylib::clamp_gelu``  GELU (tanh form) clamped at ``limit``; also an ahead-of-time CUDA kernel
  (compiled with NVRTC), so engines that use it deserialize without Python;
- ``mylib::rms_norm``    two inputs: ``x / sqrt(mean(x**2, -1) + eps) * gamma``;
- ``mylib::select_above`` two outputs of data-dependent size: the elements above a threshold and their
  flat indices;

and TensorRT's own ``InstanceNormalization_TRT`` (version 3) from its plugin library, given a NumPy
reference so that networks using it run on the CPU too.

Run it:  python examples/custom_plugin.py
(the GPU and TensorRT parts run where CuPy / TensorRT are installed and say so when they are not.)
"""

from __future__ import annotations

import math

import numpy as np

import trtdsl as td

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def gelu_tanh(v: np.ndarray) -> np.ndarray:
    """GELU, tanh form, in v's precision."""
    return 0.5 * v * (1 + np.tanh(np.float32(SQRT_2_OVER_PI) * (v + np.float32(0.044715) * v * v * v)))


# -- clamp_gelu: one input, one output, a float attribute, JIT and AOT kernels ----------------------------
CLAMP_GELU_CUDA = r"""
__device__ __forceinline__ float load(const float* p, int i) { return p[i]; }
__device__ __forceinline__ float load(const unsigned short* p, int i) {
    float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(p[i])); return f;
}
__device__ __forceinline__ void store(float* p, int i, float v) { p[i] = v; }
__device__ __forceinline__ void store(unsigned short* p, int i, float v) {
    unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v)); p[i] = h;
}
extern "C" __global__ void clamp_gelu(const ELEMENT* x, int n, ELEMENT* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = load(x, i);
    float g = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    float limit = __int_as_float((int)LIMIT_BITSu);
    store(y, i, g > limit ? limit : g);   // NaN stays NaN, as np.minimum keeps it
}
"""


def compile_ptx(source: str, name: str) -> bytes:
    """PTX for CUDA C ``source``, compiled with NVRTC (cuda-python)."""
    try:
        from cuda.bindings import nvrtc
    except ImportError:  # cuda-python before 12.6
        from cuda import nvrtc

    def check(result: tuple) -> tuple:
        if int(result[0]):
            raise RuntimeError(f"NVRTC failed compiling {name}: {result[0]}")
        return result[1:]

    (program,) = check(nvrtc.nvrtcCreateProgram(source.encode(), f"{name}.cu".encode(), 0, [], []))
    options = [b"--gpu-architecture=compute_75"]
    (status,) = nvrtc.nvrtcCompileProgram(program, len(options), options)
    if int(status):
        (size,) = check(nvrtc.nvrtcGetProgramLogSize(program))
        log = b" " * size
        nvrtc.nvrtcGetProgramLog(program, log)
        raise RuntimeError(f"NVRTC failed compiling {name}: {log.decode(errors='replace')}")
    (size,) = check(nvrtc.nvrtcGetPTXSize(program))
    ptx = b" " * size
    check(nvrtc.nvrtcGetPTX(program, ptx))
    return ptx


@td.plugin("mylib::clamp_gelu")
class ClampGelu:
    """``np.minimum(gelu(x), limit)``, computed in float32 for float16 inputs."""

    limit: float = 6.0
    input_dtypes = {"x": (td.float32, td.float16)}

    def shape(self, x):
        return x

    def reference(self, x):
        return np.minimum(gelu_tanh(x.astype(np.float32)), np.float32(self.limit)).astype(x.dtype)

    def kernel(self, x, y, stream):
        import cupy as cp

        compute = cp.ElementwiseKernel(
            "T x, float32 limit",
            "T y",
            "float v = (float)x; float g = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * "
            "v * v * v))); y = (T)(g > limit ? limit : g);",
            "mylib_clamp_gelu",
        )
        with cp.cuda.ExternalStream(stream):
            compute(cp.asarray(x), np.float32(self.limit), cp.asarray(y))

    def aot(self, x, y):
        n = math.prod(x.shape)
        element = "float" if x.dtype == td.float32 else "unsigned short"
        bits = int(np.float32(self.limit).view(np.uint32))
        source = CLAMP_GELU_CUDA.replace("ELEMENT", element).replace("LIMIT_BITS", f"{bits}")
        return td.AOTKernel(
            "clamp_gelu", compile_ptx(source, "clamp_gelu"), grid=((n + 255) // 256,), block=(256,), args=(n,)
        )


# -- rms_norm: two inputs, a shape check in the shape rule -----------------------------------------------
@td.plugin("mylib::rms_norm")
class RmsNorm:
    """``x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + eps) * gamma`` over the last axis."""

    eps: float = 1e-6
    input_dtypes = {"x": (td.float32, td.float16), "gamma": "same as x"}

    def shape(self, x, gamma):
        if gamma.shape != x.shape[-1:]:
            raise td.ShapeError(
                f"mylib::rms_norm: gamma has shape {gamma.shape_text}; expected ({x.shape[-1]},)"
            )
        return x

    def reference(self, x, gamma):
        v = x.astype(np.float32)
        scale = np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + np.float32(self.eps))
        return (v / scale * gamma.astype(np.float32)).astype(x.dtype)

    def kernel(self, x, gamma, y, stream):
        import cupy as cp

        with cp.cuda.ExternalStream(stream):
            v = cp.asarray(x).astype(cp.float32)
            scale = cp.sqrt(cp.mean(v * v, axis=-1, keepdims=True) + np.float32(self.eps))
            out = cp.asarray(y)
            out[...] = (v / scale * cp.asarray(gamma).astype(cp.float32)).astype(out.dtype)


# -- select_above: outputs of data-dependent size ----------------------------------------------------------
@td.plugin("mylib::select_above")
class SelectAbove:
    """The elements of ``x`` above ``threshold`` (compared in float32), in row-major order, and their
    flat indices: ``x.ravel()[i], i`` for ``i = np.flatnonzero(x > threshold)``."""

    threshold: float = 0.0
    input_dtypes = {"x": (td.float32, td.float16)}

    def shape(self, x):
        count = td.data_dependent_dim(math.prod(x.shape), name="count")
        return td.TensorType(x.dtype, (count,)), td.TensorType(td.int32, (count,))

    def reference(self, x):
        flat = x.reshape(-1)
        index = np.flatnonzero(flat.astype(np.float32) > np.float32(self.threshold))
        return flat[index], index.astype(np.int32)

    def kernel(self, x, values, index, stream):
        import cupy as cp

        with cp.cuda.ExternalStream(stream):
            flat = cp.asarray(x).reshape(-1)
            found = cp.flatnonzero(flat.astype(cp.float32) > np.float32(self.threshold))
            count = int(found.size)
            cp.asarray(values)[:count] = flat[found]
            cp.asarray(index)[:count] = found.astype(cp.int32)
        return count


# -- a plugin from TensorRT's own library, with a NumPy reference -----------------------------------------
@td.registry_plugin("InstanceNormalization_TRT", version="3")
class InstanceNormalization:
    """TensorRT's instance normalization plugin: per sample and channel, over the spatial dims,
    ``scales[c] * (x - mean) / np.sqrt(var + epsilon) + bias[c]``, then a leaky ReLU (slope ``alpha``) if
    ``relu`` is 1."""

    epsilon: np.float32 = 1e-5
    scales: tuple[np.float32, ...] = ()
    bias: tuple[np.float32, ...] = ()
    relu: np.int32 = 0
    alpha: np.float32 = 0.0
    input_dtypes = {"x": (td.float32, td.float16)}

    def shape(self, x):
        channels = x.shape[1] if x.rank >= 3 else None
        if channels is None or (
            isinstance(channels, int) and not len(self.scales) == len(self.bias) == channels
        ):
            raise td.ShapeError(
                f"InstanceNormalization_TRT: x {x.shape_text} needs rank >= 3 and one scale and bias per "
                f"channel; got {len(self.scales)} scales, {len(self.bias)} biases"
            )
        return x

    def reference(self, x):
        v = x.astype(np.float32)
        axes = tuple(range(2, x.ndim))
        mean = v.mean(axis=axes, keepdims=True)
        var = ((v - mean) ** 2).mean(axis=axes, keepdims=True)
        per_channel = (1, -1) + (1,) * len(axes)
        y = np.asarray(self.scales, np.float32).reshape(per_channel) * (v - mean) / np.sqrt(
            var + np.float32(self.epsilon)
        ) + np.asarray(self.bias, np.float32).reshape(per_channel)
        if self.relu:
            y = np.where(y > 0, y, np.float32(self.alpha) * y)
        return y.astype(x.dtype)


# -- using them ----------------------------------------------------------------------------------------------
def build_network(features: int = 8) -> td.Network:
    """x (batch, features) -> clamp_gelu -> rms_norm (output "normalized") -> select_above: "values" and
    "index"."""
    net = td.Network("plugins")
    x = net.input("x", td.float32, ("batch", features))
    gamma = net.constant(np.linspace(0.5, 1.5, features, dtype=np.float32), name="gamma")
    h = RmsNorm(eps=1e-5)(ClampGelu(limit=2.0)(x * 2.0), gamma)
    values, index = SelectAbove(threshold=0.25)(h)
    net.output("normalized", h)
    net.output("values", values)
    net.output("index", index)
    return net


def formula(network: td.Network, feeds: dict) -> dict:
    """The network written again in plain NumPy (float64), as an independent backend for the testing kit."""
    x = feeds["x"].astype(np.float64) * 2.0
    g = np.minimum(0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))), 2.0)
    h = g / np.sqrt(np.mean(g * g, axis=-1, keepdims=True) + 1e-5) * np.linspace(0.5, 1.5, x.shape[1])
    index = np.flatnonzero(h.reshape(-1) > 0.25)
    return {
        "normalized": h.astype(np.float32),
        "values": h.reshape(-1)[index].astype(np.float32),
        "index": index.astype(np.int32),
    }


def property_test(net: td.Network, examples: int = 50) -> None:
    """trtdsl's testing kit draws inputs (batch sizes 0-6, values in [-3, 3] with edge values) and checks
    the reference against the NumPy formula, output by output."""
    from hypothesis import given, settings

    from trtdsl.testing import assert_networks_close
    from trtdsl.testing import strategies

    @settings(max_examples=examples, deadline=None)
    @given(strategies.inputs(net, dims={"batch": (0, 6)}, values={"x": (-3, 3)}))
    def check(feeds: dict) -> None:
        assert_networks_close(net, feeds, backends=("reference", formula), rtol=1e-4, atol=1e-4)

    check()


def main() -> None:
    net = build_network()
    print(net.format(locations=False))
    x = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    out = net.run({"x": x})
    print("values:", np.round(out["values"], 3))
    print("index: ", out["index"])

    property_test(net)
    print("property test: the reference matches the NumPy formula")

    norm = td.Network("instance_norm")
    image = norm.input("image", td.float32, ("n", 2, 4, 4))
    norm.output("y", InstanceNormalization(scales=(1.0, 2.0), bias=(0.0, -1.0), relu=1, alpha=0.1)(image))
    y = norm.run({"image": np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)})["y"]
    print(
        "InstanceNormalization_TRT on the reference: mean per channel",
        np.round(y.mean(axis=(2, 3), dtype=np.float64), 3).tolist(),
    )

    node = next(n for n in net.to_onnx().graph.node if n.domain == "trt.plugins")
    print(f"ONNX: {node.op_type} in domain {node.domain}, attributes {[a.name for a in node.attribute]}")

    from trtdsl.plugins import gpu

    why = gpu.available()
    if why is None:
        for plugin, arrays in (
            (ClampGelu(limit=2.0), (x,)),
            (RmsNorm(), (x, np.ones(8, np.float32))),
            (SelectAbove(threshold=0.5), (x,)),
        ):
            print(
                f"GPU kernel {type(plugin).__name__}: "
                f"max error {gpu.compare(plugin, *arrays).max_abs_error:.2e}"
            )
    else:
        print(f"GPU kernels not run: {why}")

    try:
        import tensorrt  # noqa: F401
    except ImportError:
        print("TensorRT is not installed here: the engine build is skipped")
        return
    try:
        engine_out = net.run({"x": x}, backend="tensorrt")
    except td.BackendError as exc:  # e.g. TensorRT without a GPU
        print(f"TensorRT could not build or run the engine: {exc.message}")
        return
    print("TensorRT engine matches the reference:", np.array_equal(engine_out["index"], out["index"]))


if __name__ == "__main__":
    main()
