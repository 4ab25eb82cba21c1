"""Every script in examples/ runs to completion, quickly, and prints what it promises.

Each example is run as a user would run it (``python examples/<name>.py``, with the repository on the
path as after ``pip install .``). Scripts added to examples/ are picked up automatically; the ones listed
in EXPECTED are also checked for what they print."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIME_LIMIT_S = 60  # examples are meant to take a few seconds; the limit only stops a runaway


def mnist_accuracy(out: str) -> None:
    assert 'network "mnist" {' in out
    for layer in ("Convolution", "Pooling[MAX]", "MatrixMultiply", "Activation[RELU]", "SoftMax"):
        assert layer in out, f"{layer} missing from the printed network"
    assert re.search(r"says \d \(\d+%\)", out), "no predictions printed"
    found = re.search(r"Accuracy on (\d+) fresh noisy digits: ([\d.]+)%", out)
    assert found, "no accuracy line"
    assert int(found.group(1)) >= 100 and float(found.group(2)) >= 90.0, found.group(0)


def quantized_accuracy(out: str) -> None:
    assert "td.quantization.check on it: no Q/DQ placement findings" in out
    float_accuracy = float(re.search(r"float32 +([\d.]+)%", out).group(1))
    assert float_accuracy >= 90.0
    for dtype in ("int8", "fp8"):
        found = re.search(rf"{dtype}: accuracy ([\d.]+)%, ([+-][\d.]+) points against float32", out)
        assert found and abs(float(found.group(2))) <= 2.0, (dtype, found and found.group(0))


def engine_or_standin_checks(out: str) -> None:
    if out.startswith("No TensorRT engine is built here: "):  # the stand-in checks, both versions
        for version in ("10.16", "11.4"):
            line = next(line for line in out.splitlines() if line.startswith(f"TensorRT {version}"))
            assert line.endswith("all in the manifest; raised back: the same network"), line
        assert "-> prob" in out  # the output's name among the layer names TensorRT would report
    else:
        assert "TensorRT vs reference: largest difference of probabilities" in out


def lstm_agrees(out: str) -> None:
    assert "reference vs the same LSTM as a Python loop over NumPy: max |difference|" in out
    assert out.count("(same as the NumPy loop)") == 2


def plugin_checks(out: str) -> None:
    assert "property test: the reference matches the NumPy formula" in out
    assert "ONNX: clamp_gelu in domain trt.plugins" in out


def early_exit_runs_both_branches(out: str) -> None:
    assert re.search(r"clear +input: .* refinement skipped: .* \(same result as NumPy\)", out)
    assert re.search(r"ambiguous input: .* refinement ran: .* \(same result as NumPy\)", out)


def sums_agree(out: str) -> None:
    sums = re.findall(r"\) = (\S+) +\(Python: (\S+)\)", out)
    assert len(sums) == 4 and all(a == b for a, b in sums), sums


def decoder_generates(out: str) -> None:
    ids = re.search(r"generated token ids: \[([\d, ]+)\]", out)
    assert ids and len(ids.group(1).split(",")) == 16, out
    assert re.search(r"time per token on the reference: [\d.]+ ms", out)


def tensor_parallel_equals_single(out: str) -> None:
    assert "DistCollective[ALL_REDUCE,SUM](%matmul_1, ranks=2)" in out
    differences = re.findall(r"rank (\d): max \|tensor-parallel - single network\| = (\S+)", out)
    assert [r for r, _ in differences] == ["0", "1"], differences
    assert all(float(d) < 1e-5 for _, d in differences), differences


def fuzz_finds_the_wrong_plugin(out: str) -> None:
    assert out.startswith("50 random networks: the reference and onnxruntime agree\n")
    found = re.search(r"the smallest network showing it has (\d+) layers", out)
    assert found and int(found.group(1)) <= 3, out
    assert "td.ops.PluginV3(" in out and "def build_network() -> td.Network:" in out


# What particular examples must print, beyond running cleanly.
def imported_quantized_and_exported(out: str) -> None:
    assert "# small_cnn.onnx: node bn1 (BatchNormalization)" in out and "Scale[CHANNEL]" in out
    found = re.search(r"imported network vs the original model on onnxruntime: max \|difference\| (\S+)", out)
    assert found and float(found.group(1)) < 1e-4, found
    assert "td.quantization.check: no Q/DQ placement findings" in out
    assert "quantized network on the reference vs onnxruntime: all outputs match" in out
    drift = re.search(r"INT8 logits vs float logits: max \|difference\| ([\d.]+)", out)
    assert drift and 0.0 < float(drift.group(1)) < 0.5, drift
    assert "including DequantizeLinear, QuantizeLinear" in out


EXPECTED = {
    "mnist_from_scratch.py": mnist_accuracy,
    "int8_cnn.py": quantized_accuracy,
    "build_mnist_engine.py": engine_or_standin_checks,
    "char_rnn_lstm.py": lstm_agrees,
    "custom_plugin.py": plugin_checks,
    "early_exit.py": early_exit_runs_both_branches,
    "sum_even.py": sums_agree,
    "tiny_llm_decoder.py": decoder_generates,
    "tensor_parallel_mlp.py": tensor_parallel_equals_single,
    "differential_fuzz.py": fuzz_finds_the_wrong_plugin,
    "onnx_import_quantize.py": imported_quantized_and_exported,
}


def test_there_are_examples():
    assert any(p.name == "mnist_from_scratch.py" for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT_S,
    )
    assert done.returncode == 0, f"{script.name} exited with {done.returncode}:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stdout.strip(), f"{script.name} printed nothing"
    check = EXPECTED.get(script.name)
    if check is not None:
        check(done.stdout)
