"""examples/resnet18_from_checkpoint.py: the ResNet-18 of td.nn modules, loaded from the checkpoint file
the example writes, computes what a plain NumPy ResNet-18 written here computes from the same weights."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from support import ROOT

from trtdsl import nn

spec = importlib.util.spec_from_file_location("resnet18_example",
                                              ROOT / "examples" / "resnet18_from_checkpoint.py")
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)


def conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[-1]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwij,ocij->nohw", windows, w)


def batch_norm(x: np.ndarray, p: dict, name: str) -> np.ndarray:
    def channel(key: str) -> np.ndarray:
        return p[f"{name}.{key}"][None, :, None, None]

    normed = (x - channel("running_mean")) / np.sqrt(channel("running_var") + 1e-5)
    return normed * channel("weight") + channel("bias")


def max_pool(x: np.ndarray) -> np.ndarray:
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))[:, :, ::2, ::2].max((-2, -1))


def block(x: np.ndarray, p: dict, name: str, stride: int) -> np.ndarray:
    y = np.maximum(batch_norm(conv(x, p[f"{name}.conv1.weight"], stride, 1), p, f"{name}.bn1"), 0)
    y = batch_norm(conv(y, p[f"{name}.conv2.weight"], 1, 1), p, f"{name}.bn2")
    if f"{name}.downsample.0.weight" in p:
        x = batch_norm(conv(x, p[f"{name}.downsample.0.weight"], stride, 0), p, f"{name}.downsample.1")
    return np.maximum(y + x, 0)


def resnet18(x: np.ndarray, p: dict) -> np.ndarray:
    x = max_pool(np.maximum(batch_norm(conv(x, p["conv1.weight"], 2, 3), p, "bn1"), 0))
    for stage in range(1, 5):
        x = block(x, p, f"layer{stage}.0", 1 if stage == 1 else 2)
        x = block(x, p, f"layer{stage}.1", 1)
    return x.mean((2, 3)) @ p["fc.weight"].T + p["fc.bias"]


@pytest.mark.parametrize("suffix", ["npz", "safetensors"])
def test_the_resnet18_of_modules_computes_the_numpy_resnet18(tmp_path, suffix):
    if suffix == "safetensors":
        pytest.importorskip("safetensors")
    model = example.ResNet18(num_classes=10)
    state = example.random_checkpoint(model, seed=3)
    path = tmp_path / f"resnet18.{suffix}"
    nn.save(path, state)
    model.load_state_dict(path)
    images = np.random.default_rng(4).standard_normal((2, 3, 32, 32)).astype(np.float32)
    got = example.resnet18_network(model).run({"image": images})["logits"]
    want = resnet18(images.astype(np.float64), {k: v.astype(np.float64) for k, v in state.items()})
    assert got.shape == (2, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())

