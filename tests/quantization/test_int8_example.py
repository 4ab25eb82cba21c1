"""examples/int8_cnn.py: the quantized MNIST networks keep the float network's accuracy, and their Q/DQ
placement passes the check."""

import importlib
from pathlib import Path

import numpy as np

import trtdsl as td

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_int8_and_fp8_networks_keep_the_accuracy(monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    example = importlib.import_module("int8_cnn")
    accuracy = example.main()
    out = capsys.readouterr().out
    assert accuracy["float32"] >= 0.9
    assert abs(accuracy["int8"] - accuracy["float32"]) <= 0.02
    assert abs(accuracy["fp8"] - accuracy["float32"]) <= 0.03
    assert "td.quantization.check on it: no Q/DQ placement findings" in out
    assert "warning[partially-quantized] conv1" in out
    assert f"int8: accuracy {accuracy['int8']:.1%}" in out


def test_every_convolution_and_matmul_is_quantized(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    example = importlib.import_module("int8_cnn")
    rng = np.random.default_rng(0)
    weights = example.random_weights(rng)
    weights["dense2"], weights["dense2_bias"] = np.ones((500, 10), np.float32), np.zeros(10, np.float32)
    net = example.quantized(weights, example.render(np.arange(10), rng), td.int8)
    weighted = [n for n in net.nodes if n.op.kind in ("Convolution", "MatrixMultiply")]
    assert len(weighted) == 4
    for node in weighted:
        data, kernel = (node.inputs[i].producer for i in (0, 1))
        assert data.op.kind == kernel.op.kind == "Dequantize"
        assert data.op.axis == -1 and kernel.op.axis == (0 if node.op.kind == "Convolution" else 1)
