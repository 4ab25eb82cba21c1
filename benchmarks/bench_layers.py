"""The reference interpreter against onnxruntime's CPU engine layer by layer, side by side in one run.

Each case is a network of one layer (or of the few layers one DSL call makes), built with trtdsl's public
API on inputs of sizes real networks give them, exported with ``to_onnx()`` and run on onnxruntime's CPU
execution provider and on the NumPy reference, taking turns as ``bench_vs_onnxruntime.py`` does (same
inputs, warm-up, a pause before each turn, median wall time). The table gives each ratio (reference /
onnxruntime) and the largest absolute difference of the outputs, then the geometric mean and the cases
above 2x. It has no target of its own: the targets are on whole networks (``bench_vs_onnxruntime.py``);
this finds the layers whose reference is far slower than an engine's kernel.
Run: python benchmarks/bench_layers.py [--quick] [--only TEXT ...]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np

import trtdsl as td

from bench_vs_onnxruntime import ORT_THREADS, Case, blas_line, measure

SLOW = 2.0  # the ratio above which a case is listed at the end

_rng = np.random.default_rng(0)


def _rand(*shape: int, scale: float = 1.0) -> np.ndarray:
    return (_rng.standard_normal(shape) * scale).astype(np.float32)


def _one(name: str, shape: tuple[int, ...], layer: Callable[[td.Tensor], Any], dtype: td.DType = td.float32,
         feed: np.ndarray | None = None) -> tuple[str, Callable[[], Case]]:
    """A case's name and maker: ``layer`` applied to one input of ``shape`` (standard normal values unless
    ``feed``)."""
    def make() -> Case:
        net = td.Network(name.split()[0])
        x = net.input("x", dtype, shape)
        out = layer(x)
        net.output("y", out[0] if isinstance(out, tuple) else out)
        return Case(name, net, {"x": _rand(*shape) if feed is None else feed}, 0.0)
    return name, make


def _many(name: str, shapes: dict[str, tuple[int, ...]],
          layer: Callable[..., td.Tensor]) -> tuple[str, Callable[[], Case]]:
    """A case's name and maker: ``layer`` applied to float32 inputs of ``shapes``."""
    def make() -> Case:
        net = td.Network(name.split()[0])
        xs = [net.input(k, td.float32, s) for k, s in shapes.items()]
        net.output("y", layer(*xs))
        return Case(name, net, {k: _rand(*s) for k, s in shapes.items()}, 0.0)
    return name, make


_IMAGE = (1, 256, 28, 28)
_WIDE = (1024, 1024)
_INDICES = _rng.integers(0, 32000, (8, 128)).astype(np.int32)

CASES: list[tuple[str, Callable[[], Case]]] = [
    _one("conv 3x3, batch 8 (8,64,56,56)", (8, 64, 56, 56),
         lambda x: td.conv(x, _rand(64, 64, 3, 3, scale=0.05), _rand(64), padding=1)),
    _one("conv 3x3 dilation 2 (1,64,64,64)", (1, 64, 64, 64),
         lambda x: td.conv(x, _rand(64, 64, 3, 3, scale=0.05), _rand(64), padding=2, dilation=2)),
    _one("depthwise conv 3x3 (1,256,56,56)", (1, 256, 56, 56),
         lambda x: td.conv(x, _rand(256, 1, 3, 3), _rand(256), padding=1, groups=256)),
    _one("grouped conv 3x3, 32 groups (1,256,28,28)", _IMAGE,
         lambda x: td.conv(x, _rand(256, 8, 3, 3), _rand(256), padding=1, groups=32)),
    _one("conv_transpose 4x4 stride 2 (1,64,32,32)", (1, 64, 32, 32),
         lambda x: td.conv_transpose(x, _rand(64, 32, 4, 4, scale=0.05), _rand(32), stride=2, padding=1)),
    _one("conv 3x3x3 (1,16,16,32,32)", (1, 16, 16, 32, 32),
         lambda x: td.conv(x, _rand(16, 16, 3, 3, 3, scale=0.05), _rand(16), padding=1)),
    _one("max pool 3x3 stride 2 (1,64,112,112)", (1, 64, 112, 112), lambda x: td.max_pool(x, 3, 2, 1)),
    _one("max pool 3x3 stride 1 (1,256,28,28)", _IMAGE, lambda x: td.max_pool(x, 3, 1, 1)),
    _one("avg pool 3x3 stride 1 (1,256,28,28)", _IMAGE, lambda x: td.avg_pool(x, 3, 1, 1)),
    _one("avg pool 2x2 stride 2 (1,64,112,112)", (1, 64, 112, 112), lambda x: td.avg_pool(x, 2, 2)),
    _one("global mean (8,2048,7,7)", (8, 2048, 7, 7), lambda x: td.mean(x, axis=(2, 3))),
    _one("sum over a middle axis (256,1024,8)", (256, 1024, 8), lambda x: td.sum(x, axis=1)),
    _one("max over the last axis (4096,1000)", (4096, 1000), lambda x: td.max(x, axis=1)),
    _one("softmax, last axis (4096,128)", (4096, 128), td.softmax),
    _one("softmax, axis 1 (64,1000,16)", (64, 1000, 16), lambda x: td.softmax(x, axis=1)),
    _one("layer norm (1024,256)", (1024, 256), lambda x: td.layer_norm(x, _rand(256), _rand(256))),
    _one("instance norm (8,64,56,56)", (8, 64, 56, 56),
         lambda x: td.instance_norm(x, _rand(64), _rand(64))),
    _one("group norm, 32 groups (8,256,28,28)", (8, 256, 28, 28),
         lambda x: td.group_norm(x, 32, _rand(256), _rand(256))),
    _one("batch norm (8,64,56,56)", (8, 64, 56, 56),
         lambda x: td.batch_norm(x, _rand(64), np.abs(_rand(64)) + 1, _rand(64), _rand(64))),
    _one("topk 5 (256,1000)", (256, 1000), lambda x: td.topk(x, 5)),
    _one("argmax (256,1000)", (256, 1000), lambda x: td.argmax(x, axis=1)),
    _one("resize nearest x2 (1,64,64,64)", (1, 64, 64, 64),
         lambda x: td.resize(x, scales=(1, 1, 2, 2), mode="nearest")),
    _one("resize linear x2 (1,64,64,64)", (1, 64, 64, 64),
         lambda x: td.resize(x, scales=(1, 1, 2, 2), mode="linear")),
    _one("relu (1024,1024)", _WIDE, td.relu),
    _one("leaky relu (1024,1024)", _WIDE, lambda x: td.leaky_relu(x, 0.1)),
    _one("elu (1024,1024)", _WIDE, td.elu),
    _one("softplus (1024,1024)", _WIDE, td.softplus),
    _one("gelu, erf (1024,1024)", _WIDE, td.gelu),
    _one("gelu, tanh (1024,1024)", _WIDE, lambda x: td.gelu(x, approximate="tanh")),
    _one("erf (1024,1024)", _WIDE, td.erf),
    _one("where (1024,1024)", _WIDE, lambda x: td.where(x > 0, x, x * np.float32(0.1))),
    _one("int32 division (1024,1024)", _WIDE, lambda x: x / np.int32(7), td.int32,
         _rng.integers(-1000, 1000, _WIDE).astype(np.int32)),
    _one("cast float32 to float16 (1024,1024)", _WIDE, lambda x: td.cast(x, td.float16)),
    _many("matmul of stacks (64,128,64) (64,64,128)", {"a": (64, 128, 64), "b": (64, 64, 128)}, td.matmul),
    _many("einsum bij,bjk->bik (64,128,64) (64,64,128)", {"a": (64, 128, 64), "b": (64, 64, 128)},
          lambda a, b: td.einsum("bij,bjk->bik", a, b)),
    _many("concatenate 4 x (8,64,56,56)", {f"x{i}": (8, 64, 56, 56) for i in range(4)},
          lambda *xs: td.concatenate(list(xs), axis=1)),
    _one("embedding gather (32000,512)[8,128]", (8, 128),
         lambda i: td.gather(i.network.constant(_rand(32000, 512)), i, axis=0), td.int32, _INDICES),
    _one("cumsum (64,4096)", (64, 4096), lambda x: td.cumsum(x, 1)),
    _one("pad, reflect (1,64,128,128)", (1, 64, 128, 128),
         lambda x: td.pad(x, [(0, 0), (0, 0), (2, 2), (2, 2)], mode="reflect")),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    parser.add_argument("--only", nargs="+", metavar="TEXT", help="the cases whose names hold one of these")
    parser.add_argument("--settle", type=float, default=0.05, metavar="SECONDS",
                        help="pause before each turn, letting the other engine's threads go idle")
    args = parser.parse_args()
    warmup, repeats = (1, 3) if args.quick else (2, 7)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    import onnxruntime as ort

    print(f"trtdsl {td.__version__}, numpy {np.__version__}, onnxruntime {ort.__version__} "
          f"({ORT_THREADS} intra-op threads); {os.cpu_count()} CPUs, load average {load:.1f}; "
          f"median of {repeats} after {warmup} warm-up")
    print(blas_line() + "\n")
    print(f"    {'layer':46s}{'reference':>12s}{'onnxruntime':>13s}{'ratio':>8s}{'max |diff|':>12s}")
    ratios: dict[str, float] = {}
    for name, make in CASES:
        if args.only and not any(text in name for text in args.only):
            continue
        r = measure(make(), warmup, repeats, args.settle)
        ratios[r.name] = r.ratio
        print(f"    {r.name:46s}{r.reference * 1e3:9.3f} ms{r.onnxruntime * 1e3:10.3f} ms{r.ratio:7.2f}x"
              f"{r.diff:12.2e}", flush=True)
    if not ratios:
        return
    geomean = math.exp(statistics.fmean(math.log(v) for v in ratios.values()))
    slow = [f"{name} ({ratio:.1f}x)" for name, ratio in ratios.items() if ratio > SLOW]
    print(f"\n    geometric mean {geomean:.2f}x over {len(ratios)} layers; above {SLOW:g}x: "
          f"{', '.join(slow) if slow else 'none'}")


if __name__ == "__main__":
    main()
