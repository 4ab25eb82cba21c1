"""Every network the examples run, on onnxruntime too: each example script runs in-process with
``Network.run`` recording what it runs on the reference; each network is then checked against onnxruntime
on the example's own first inputs and on hypothesis-drawn inputs of the same shapes, with values in the
ranges the example used (so indices stay indices and loop bounds stay bounded).

Networks onnxruntime cannot run (TensorRT plugins, kernels listed in ORT_GAPS) are reported and left out;
any other missing kernel fails."""

import io
import contextlib
import runpy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trtdsl as td
from trtdsl.backends import onnxruntime as ort_backend
from trtdsl.backends.onnxruntime import MissingKernel
from trtdsl.testing import assert_networks_close
from trtdsl.testing import strategies as tst

from backends.onnx.test_crosscheck import ORT_GAPS

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# Whole models (convolutions, matrix products, LSTMs) sum thousands of products in another order.
TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}
# Where a quantize layer follows such a sum, a last-bit difference can move a value across a rounding
# boundary: one quantization step, which the layers after it carry to the outputs.
QUANTIZED_TOLERANCE = {"rtol": 2e-2, "atol": 2e-2}


def networks_run_by(script: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[td.Network, dict]]:
    """The networks ``script`` runs on the reference, each with the first inputs it ran them on."""
    seen: dict[int, tuple[td.Network, dict]] = {}
    original = td.Network.run

    def recording(self, inputs, *, backend="reference", **options):
        if backend == "reference" and "ranks" not in options and id(self) not in seen:  # (several ranks:
            # a network with collectives, which ONNX does not express)
            seen[id(self)] = (self, {k: np.asarray(v) for k, v in inputs.items()})
        return original(self, inputs, backend=backend, **options)

    monkeypatch.setattr(td.Network, "run", recording)
    monkeypatch.syspath_prepend(str(script.parent))
    with contextlib.redirect_stdout(io.StringIO()):
        runpy.run_path(str(script), run_name="__main__")
    monkeypatch.setattr(td.Network, "run", original)
    return list(seen.values())


def runnable_on_onnxruntime(net: td.Network) -> bool:
    try:
        ort_backend._session(net, None, 1, False)
    except MissingKernel as gap:
        if gap.layer is not None and gap.layer.op.kind == "PluginV3" or (gap.op_type, gap.dtype) in ORT_GAPS:
            return False
        raise
    return True


def like(feeds: dict) -> st.SearchStrategy[dict]:
    """Inputs with the shapes of ``feeds`` and values in their ranges (booleans: any)."""
    parts = {}
    for name, array in feeds.items():
        dtype = td.dtype(array.dtype)
        if dtype.is_bool or array.size == 0:
            parts[name] = tst.arrays(dtype, array.shape)
        else:
            wide = array.astype(np.float64)
            parts[name] = tst.arrays(
                dtype, array.shape, min_value=float(wide.min()), max_value=float(wide.max())
            )
    return st.fixed_dictionaries(parts)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_networks_match_onnxruntime(script, monkeypatch):
    checked = 0
    for net, feeds in networks_run_by(script, monkeypatch):
        if not runnable_on_onnxruntime(net):
            continue
        quantized = any(node.op.kind == "Quantize" for node in net.nodes)
        tolerance = QUANTIZED_TOLERANCE if quantized else TOLERANCE
        assert_networks_close(net, feeds, **tolerance)

        @settings(max_examples=5, database=None)
        @given(like(feeds))
        def drawn(values):
            assert_networks_close(net, values, **tolerance)

        drawn()
        checked += 1
    if not checked:
        pytest.skip(
            f"{script.name} runs no network onnxruntime can run (TensorRT plugins or kernels it lacks)"
        )
