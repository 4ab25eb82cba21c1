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
import numpy as np
import trtdsl as td
from backend_rows import tensorrt_case, randn, rng, load_example

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


@tensorrt_case
def example_mnist() -> td.Network:
    """examples/mnist_from_scratch.py's LeNet (random weights in place of the fitted last layer)."""
    mnist = load_example("mnist_from_scratch")
    weights = mnist.random_weights(rng(1))
    weights["dense2"], weights["dense2_bias"] = randn(500, 10, seed=3), randn(10, seed=4)
    return mnist.lenet(weights)


@tensorrt_case
def example_int8_cnn() -> td.Network:
    """examples/int8_cnn.py's LeNet with INT8 Q/DQ pairs placed by td.quantization.insert_qdq."""
    mnist, int8 = load_example("mnist_from_scratch"), load_example("int8_cnn")
    weights = mnist.random_weights(rng(2))
    weights["dense2"], weights["dense2_bias"] = randn(500, 10, seed=5), randn(10, seed=6)
    return int8.quantized(weights, mnist.render(np.arange(10), rng(3)), td.int8)


@tensorrt_case
def example_char_rnn() -> td.Network:
    """examples/char_rnn_lstm.py's LSTM text reader (a loop over characters)."""
    rnn = load_example("char_rnn_lstm")
    return rnn.reader(rnn.make_weights())


@tensorrt_case
def example_char_rnn_generator() -> td.Network:
    """examples/char_rnn_lstm.py's generator (a loop feeding its output back)."""
    rnn = load_example("char_rnn_lstm")
    return rnn.generator(rnn.make_weights())


@tensorrt_case
def example_tiny_llm_decoder() -> td.Network:
    """examples/tiny_llm_decoder.py (attention, RoPE and KV cache updates, in a prefill and a while loop)."""
    return load_example("tiny_llm_decoder").build_network()


@tensorrt_case
def example_early_exit() -> td.Network:
    """examples/early_exit.py's classifier (an if-conditional skipping the second stage)."""
    early = load_example("early_exit")
    return early.classifier(early.make_weights())


@tensorrt_case
def example_sum_even() -> td.Network:
    """examples/sum_even.py, written with scopes (a loop holding a conditional)."""
    return load_example("sum_even").with_scopes()


@tensorrt_case
def example_sum_even_functional() -> td.Network:
    """examples/sum_even.py, written with td.fori_loop and td.cond."""
    return load_example("sum_even").with_functions()


@tensorrt_case
def example_readme() -> td.Network:
    """The README's first example."""
    net = td.Network("demo")
    x = net.input("x", td.float32, ("batch", 4))
    net.output("y", td.relu(x @ np.ones((4, 3), np.float32) + 1.0))
    return net


@tensorrt_case
def example_attention() -> td.Network:
    """A transformer block: layer norm, attention with softmax, a GELU MLP, residuals."""
    net = td.Network("attention")
    x = net.input("x", td.float32, ("batch", "tokens", 8))
    h = td.layer_norm(x, np.ones(8, np.float32), np.zeros(8, np.float32))
    q, k, v = (h @ randn(8, 8, seed=s) for s in (1, 2, 3))
    scores = td.softmax(td.matmul(q, k, transpose_b=True) * (1 / np.sqrt(8)), axis=-1)
    h = x + (scores @ v) @ randn(8, 8, seed=4)
    mlp = td.gelu(h @ randn(8, 16, seed=5) + randn(16, seed=6)) @ randn(16, 8, seed=7)
    net.output("y", h + mlp)
    return net
