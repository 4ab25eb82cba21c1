"""The engine runtime: plan files (atomic, checked on load), and running engines through the stand-in's
fake engines, which run the reference on device memory, so the runtime's CUDA side (buffers, copies,
addresses, profiles, output allocators, DLPack inputs, device outputs) is tested on a GPU without
TensorRT. The same runs also go through host memory in place of device memory (``memory="host"``), so
the runtime's logic (profiles, shapes, addresses, output allocators, errors) is tested everywhere; the
``"cuda"`` runs and the device-array tests skip where there is no GPU or no cuda-python."""

from __future__ import annotations

import numpy as np
import pytest
from backends.tensorrt import fake_engine
from backends.tensorrt.fake_engine import fake_tensorrt
from support import expect_error

import trtdsl as td
from trtdsl.backends.tensorrt import Engine, build, cuda, runtime
from trtdsl.backends.tensorrt.runtime import MAGIC, pack_plan, unpack_plan

GPU = cuda.device_count() > 0
needs_gpu = pytest.mark.skipif(not GPU, reason="needs a CUDA GPU and cuda-python (cuda.bindings)")


W = np.arange(12, dtype=np.float32).reshape(4, 3)


def mlp() -> td.Network:
    net = td.Network("mlp")
    x = net.input("x", td.float32, ("batch", 4))
    h = td.relu(x @ W / 10.0)
    net.output("y", td.softmax(h, axis=1))
    net.output("n", td.cast(td.shape_of(x), td.int32))
    return net


def mlp_formula(x: np.ndarray) -> dict[str, np.ndarray]:
    """What mlp() computes, in NumPy (float64)."""
    h = np.maximum(x.astype(np.float64) @ W / 10.0, 0.0)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return {"y": e / e.sum(axis=1, keepdims=True), "n": np.array(x.shape, np.int32)}


def assert_mlp(got: dict, x: np.ndarray) -> None:
    want = mlp_formula(x)
    assert got["y"].dtype == np.float32 and got["n"].dtype == np.int32
    np.testing.assert_allclose(got["y"], want["y"], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(got["n"], want["n"])


PROFILES = [{"batch": (1, 2, 4)}, {"batch": (5, 8, 16)}]


@pytest.fixture(params=["host", "cuda"])
def memory(request, monkeypatch):
    """Where the fake engines run: host memory (the runtime's CUDA module replaced), or the GPU."""
    if request.param == "host":
        monkeypatch.setattr(runtime, "cuda", fake_engine.host_cuda())
        return fake_engine.HOST
    if not GPU:
        pytest.skip("needs a CUDA GPU and cuda-python (cuda.bindings)")
    return fake_engine.CUDA


def built(net: td.Network | None = None, **fake: object) -> Engine:
    net = net or mlp()
    trt = fake_tensorrt(net, profiles=PROFILES, **fake)
    return build(net, trt=trt, profiles=PROFILES)


# -- plan files -------------------------------------------------------------------------------------------
def test_save_and_load_keep_the_plan(tmp_path):
    engine = built()
    path = tmp_path / "mlp.engine"
    engine.save(path)
    data = path.read_bytes()
    assert data.startswith(MAGIC) and data.endswith(engine.plan)
    again = Engine.load(path, engine.api.trt)
    assert again.plan == engine.plan and again.inputs == ["x"] and again.outputs == ["y", "n"]
    assert [p.name for p in tmp_path.iterdir()] == ["mlp.engine"]  # no temporary file left behind


def test_a_bare_tensorrt_plan_loads_too(tmp_path):
    engine = built()
    path = tmp_path / "bare.plan"
    path.write_bytes(engine.plan)
    assert Engine.load(path, engine.api.trt).plan == engine.plan


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: d[:-4], "is truncated: its plan has {n4} of {n} bytes"),
        (lambda d: d[:20], "is truncated inside its header"),
        (lambda d: d[:10], "is truncated: 10 bytes, shorter than its header"),
        (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "is corrupted: its plan does not match its SHA-256 checksum"),
        (lambda d: d + b"x", "is corrupted: 1 bytes follow its plan"),
        (lambda d: d[:12] + (9).to_bytes(4, "little") + d[16:], "has format 9; this trtdsl reads format 1"),
        (lambda d: d[:20] + b"{" * 5 + d[25:], "is corrupted: its header is not valid"),
    ],
)
def test_damaged_files_are_clear_errors(tmp_path, damage, message):
    engine = built()
    path = tmp_path / "x.engine"
    engine.save(path)
    path.write_bytes(damage(path.read_bytes()))
    n = len(engine.plan)
    expect_error(
        td.BackendError,
        f"engine file {path} " + message.format(n=n, n4=n - 4),
        lambda: Engine.load(path, engine.api.trt),
    )


def test_other_tensorrt_versions_need_version_compatible_engines(tmp_path):
    engine = built()
    path = tmp_path / "x.engine"
    path.write_bytes(pack_plan(engine.plan, {"tensorrt": "10.16.1.11"}))
    expect_error(
        td.BackendError,
        f"engine file {path} was built by TensorRT 10.16.1.11 without version "
        "compatibility; this is TensorRT 11.4.0.106: rebuild it, or build with version_compatible=True",
        lambda: Engine.load(path, engine.api.trt),
    )
    path.write_bytes(pack_plan(engine.plan, {"tensorrt": "10.16.1.11", "version_compatible": True}))
    assert Engine.load(path, engine.api.trt).version_compatible


def test_unreadable_and_rejected_plans(tmp_path):
    engine = built()
    missing = tmp_path / "none.engine"
    expect_error(
        td.BackendError,
        f"cannot read engine file {missing}: No such file or directory",
        lambda: Engine.load(missing, engine.api.trt),
    )
    stranger = Engine(b"not a plan", engine.api.trt)
    expect_error(
        td.BackendError,
        "TensorRT 11.4.0.106 could not deserialize the engine: Serialization assertion "
        "failed: magic tag mismatch",
        lambda: stranger.inputs,
    )


def test_unpack_of_bare_bytes_has_no_header():
    assert unpack_plan(b"\x00\x01plan", "p") == (b"\x00\x01plan", {})


def test_engine_describes_its_io_through_the_tensorrt_api():
    engine = built()
    assert engine.inputs == ["x"] and engine.outputs == ["y", "n"]
    assert [(t.name, t.dtype, t.shape) for t in engine.io] == [
        ("x", td.float32, (-1, 4)),
        ("y", td.float32, (-1, 3)),
        ("n", td.int32, (2,)),
    ]


# -- running on the GPU -----------------------------------------------------------------------------------
def test_numpy_in_numpy_out_matches_the_reference(memory):
    net = mlp()
    engine = built(net, memory=memory)
    for batch in (1, 3, 9):  # profile 0, 0, then 1
        x = np.random.default_rng(batch).standard_normal((batch, 4)).astype(np.float32)
        got = engine(x)
        assert set(got) == {"y", "n"} and all(isinstance(v, np.ndarray) for v in got.values())
        assert_mlp(got, x)
    assert engine._profile == 1 and engine._context._state["runs"] == 3


def test_inputs_outside_every_profile_are_refused(memory):
    engine = built(memory=memory)
    expect_error(
        td.InputError,
        "run: input 'x' has shape (17, 4), which the engine's optimization profiles do not "
        "allow (profile 0: (1, 4) to (4, 4); profile 1: (5, 4) to (16, 4))",
        lambda: engine(np.zeros((17, 4), np.float32)),
    )


def test_input_errors_name_the_input(memory):
    engine = built(memory=memory)
    expect_error(
        td.InputError,
        "run: input 'x' has dtype float64; the engine takes float32 (td.float32); convert it with .astype",
        lambda: engine(np.zeros((2, 4))),
    )
    expect_error(
        td.InputError,
        "run: input 'x' has shape (2, 5); the engine takes (-1, 4) (-1: any size)",
        lambda: engine(np.zeros((2, 5), np.float32)),
    )
    expect_error(
        td.InputError,
        "run: the engine has no input named 'z'; its inputs are ['x']",
        lambda: engine(z=np.zeros((2, 4), np.float32)),
    )
    expect_error(td.InputError, "run: missing input 'x'", lambda: engine())
    expect_error(td.InputError, "run: the engine takes 1 inputs (x); got 2", lambda: engine(1, 2))


def test_data_dependent_outputs_use_the_output_allocator(memory):
    net = mlp()
    engine = built(net, data_dependent=("y",), memory=memory)
    x = np.ones((3, 4), np.float32)
    got = engine(x)
    assert_mlp(got, x)
    assert "y" in engine._context._state["allocators"] and "n" not in engine._context._state["allocators"]


def test_benchmark_times_runs_with_cuda_events(memory):
    engine = built(memory=memory)
    feeds = {"x": np.ones((2, 4), np.float32)}
    ms = engine.benchmark(feeds, iterations=5, warmup=1)
    assert 0 < ms < 10_000
    assert 0 < built(memory=memory).benchmark(feeds, iterations=1, warmup=0) < 10_000  # a first run timed
    assert engine._context._state["runs"] == 6
    for arg, value, low in (("iterations", 0, 1), ("warmup", -1, 0), ("iterations", 2.5, 1)):
        expect_error(
            td.ArgumentError,
            f"benchmark: argument '{arg}' is {value!r}; expected an int >= {low}",
            lambda options={arg: value}: engine.benchmark(feeds, **options),
        )


def test_scalar_inputs_and_outputs(memory):
    net = td.Network("scalars")
    x = net.input("x", td.float32, ())
    net.output("y", x * 3.0)
    engine = build(net, trt=fake_tensorrt(net, memory=memory))
    got = engine(np.array(2.0, np.float32))["y"]
    assert got.shape == () and got == np.float32(6.0)


@needs_gpu
@pytest.mark.parametrize("framework", ["cupy", "torch"])
def test_device_arrays_in_device_arrays_out(framework):
    lib = pytest.importorskip(framework)
    net = mlp()
    engine = built(net, data_dependent=("y",))
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    device_x = lib.asarray(x) if framework == "cupy" else lib.tensor(x, device="cuda")
    got = engine(device_x)
    assert all(isinstance(v, cuda.DeviceArray) for v in got.values())
    y = lib.asarray(got["y"]) if framework == "cupy" else lib.as_tensor(got["y"], device="cuda")
    back = y.get() if framework == "cupy" else y.cpu().numpy()
    assert_mlp({"y": back, "n": np.asarray(got["n"])}, x)


@needs_gpu
def test_non_contiguous_device_inputs_are_refused():
    torch = pytest.importorskip("torch")
    engine = built()
    x = torch.zeros((4, 3), device="cuda").t()
    expect_error(
        td.InputError,
        "run: input 'x' has strides (1, 3) (elements); the engine takes row-major contiguous "
        "arrays (e.g. .contiguous() in PyTorch, cupy.ascontiguousarray)",
        lambda: engine(x),
    )


def test_backend_run_builds_once_per_shape_and_caches(memory):
    net = mlp()
    trt = fake_tensorrt(net, profiles=[{"batch": (2, 2, 2)}], memory=memory)
    from trtdsl.backends.tensorrt import run

    x = np.ones((2, 4), np.float32)
    first = run(net, {"x": x}, trt=trt)
    second = run(net, {"x": x}, trt=trt)
    assert_mlp(first, x)
    assert list(first) == ["y", "n"] and sum(1 for k in net._cache if k[0] == "tensorrt-engine") == 1
    np.testing.assert_array_equal(first["y"], second["y"])


def test_shape_tensor_inputs_and_outputs_live_on_the_host(memory):
    net = td.Network("dims")
    x = net.input("x", td.float32, ("n", 6))
    dims = net.input("dims", td.int32, (2,), shape_tensor=True)
    net.output("y", td.reshape(x, dims) * 2.0)
    net.mark_output_for_shapes("out_dims", dims + 1)
    net.add_profile({"n": (1, 2, 4), "dims": ((1, 4), (3, 4), (12, 24))})
    engine = build(net, trt=fake_tensorrt(net, memory=memory))
    a = np.arange(12, dtype=np.float32).reshape(2, 6)
    out = engine.run({"x": a, "dims": np.array([3, 4], np.int32)})
    assert [t.on_host for t in engine.io] == [False, True, False, True]
    np.testing.assert_array_equal(out["y"], a.reshape(3, 4) * 2)
    np.testing.assert_array_equal(out["out_dims"], [4, 5])
    assert list(out) == ["y", "out_dims"]
