"""With a real TensorRT and a GPU: every case and example network is built into an engine, run, and
compared with the NumPy reference; engines are saved and loaded; a network parsed by TensorRT's own ONNX
parser is raised and run on the reference. Elsewhere these tests skip, saying why.

Engines are built with ``tf32=False``: with TensorRT's default (TF32 on), float32 matrix multiplications
and convolutions round their inputs to 10-bit mantissas, about 1e-3 relative error, which would hide
other differences. What remains is the order of float32 sums, within FLOAT32's tolerance."""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td
from backend_rows import inputs, tensorrt_cases
from support import TOLERANCES
from trtdsl.backends.tensorrt import Engine, cuda, raise_network

CASES = tensorrt_cases()

try:
    import tensorrt as trt
except ImportError as exc:
    trt = None
    WHY = f"needs the tensorrt package and its libraries ({exc})"
else:
    WHY = "needs a CUDA GPU and cuda-python"

pytestmark = [pytest.mark.tensorrt, pytest.mark.skipif(trt is None or cuda.device_count() == 0, reason=WHY)]

# TensorRT's kernels may reorder float32 sums (TF32 is off in these builds).
FLOAT32 = {"rtol": 1e-4, "atol": 1e-4}


def profiles_for(net: td.Network) -> dict:
    dims = {str(d) for t in net.inputs.values() for d in t.shape if not isinstance(d, int)}
    return {d: (1, 2, 4) for d in dims}


def assert_matches(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "iub":
        np.testing.assert_array_equal(got, want)
        return
    tol = FLOAT32 if want.dtype == np.float32 else {"rtol": TOLERANCES.get(want.dtype, 2e-2), "atol": 1e-2}
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), equal_nan=True, **tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_matches_the_reference(name, tmp_path):
    net = CASES[name]()
    engine = net.build(profiles=profiles_for(net), workspace=1 << 30, tf32=False)
    feeds = inputs(net)
    want = net.run(feeds)
    got = engine(**feeds)
    for key in want:
        if key in net.shape_outputs and want[key].dtype == np.int64:
            assert got[key].dtype == np.int32  # markOutputForShapes takes int32: the lowering casts
            got[key] = got[key].astype(np.int64)
        assert_matches(got[key], want[key])
    path = tmp_path / f"{name}.engine"
    engine.save(path)
    again = Engine.load(path)(**feeds)
    for key in want:
        np.testing.assert_array_equal(again[key], got[key])


def test_dynamic_shapes_per_call_and_several_profiles():
    net = CASES["example_readme"]()
    engine = net.build(profiles=[{"batch": (1, 2, 4)}, {"batch": (5, 32, 64)}], tf32=False)
    for batch in (1, 4, 5, 64):
        x = np.random.default_rng(batch).standard_normal((batch, 4)).astype(np.float32)
        assert_matches(engine(x)["y"], net.run({"x": x})["y"])


def test_onnx_parser_networks_raise_to_trtdsl():
    pytest.importorskip("onnx")
    net = CASES["example_mnist"]()
    model = net.to_onnx()
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    definition = builder.create_network(
        0
        if int(trt.__version__.split(".")[0]) >= 11
        else 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    )
    parser = trt.OnnxParser(definition, logger)
    assert parser.parse(model.SerializeToString()), [parser.get_error(i) for i in range(parser.num_errors)]
    raised = raise_network(definition)
    feeds = inputs(net)
    for key, value in net.run(feeds).items():
        assert_matches(raised.run(feeds)[key], value)
