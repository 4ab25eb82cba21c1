"""The cost of building networks, side by side in one run: defining them, exporting them to ONNX, lowering
them into the TensorRT stand-in.

Two networks, built with trtdsl's public API: ResNet-50 v1 (its 231 layers, batch 1, 224x224, the
convolutions' biases holding the folded batch norm) with 1/16 of its channels, so that the figures are the
cost of the layers rather than of copying 100 MB of weights (its weights are drawn before the clock
starts), and a chain of 1000
elementwise and activation layers on a 64x64 tensor (``tanh(h * 1.5 + c)``, ``relu(h) - 0.25``: the
numbers become constant layers). For each:

- define: building the network (every layer validated, named and located at its user line), in
  microseconds per layer. Target: at most 5 us per layer.
- to_onnx: ``net.to_onnx()`` of a freshly built network (no export cached) against an ``onnx.helper``
  script writing the very same graph (the exported model's nodes with their attributes, initializers
  and value_info, read from it before the clock starts), per ONNX node. Target: at most 2x.
- lowering: ``lower(net, standin.module("11.4"))``, in microseconds per layer. Target: at most 10 us
  per layer.

Each figure is the best of several repeats of the process's CPU time (other work on a shared machine
disturbs it much less than wall time; the wall time is shown too). Run:
python benchmarks/bench_construction.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads its BLAS

import argparse
import gc
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import trtdsl as td
from trtdsl.backends.tensorrt import standin
from trtdsl.backends.tensorrt.lower import lower

from resnet import resnet50_features

DEFINE_TARGET_US = 5.0
EXPORT_RATIO_TARGET = 2.0
LOWERING_TARGET_US = 10.0
NARROW = 16  # ResNet-50's full weights (100 MB) would make copying them the cost of every step


class Timer:
    """Best wall-clock and CPU time over the runs measured with it."""

    def __init__(self) -> None:
        self.wall = float("inf")
        self.cpu = float("inf")

    def measure(self, fn: Callable[[], Any]) -> Any:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        self.cpu = min(self.cpu, time.process_time() - cpu)
        self.wall = min(self.wall, time.perf_counter() - wall)
        return result


def resnet50_builder(narrow: int) -> Callable[[], td.Network]:
    """A function building ResNet-50 v1 with ``1 / narrow`` of its channels; its weights are drawn on the
    first build (done here) and reused."""
    rng = np.random.default_rng(0)
    weights: list[np.ndarray] = []

    def weight(index: int, shape: tuple[int, ...], scale: float) -> np.ndarray:
        if index == len(weights):
            weights.append((rng.standard_normal(shape) * scale).astype(np.float32))
        return weights[index]

    def build() -> td.Network:
        net = td.Network("resnet50")
        x = net.input("image", td.float32, (1, 3, 224, 224))
        drawn = 0

        def rand(*shape: int, scale: float) -> np.ndarray:
            nonlocal drawn
            drawn += 1
            return weight(drawn - 1, shape, scale)

        def conv(h: td.Tensor, k: int, size: int, stride: int = 1, relu: bool = True) -> td.Tensor:
            c = h.shape[1]
            w = rand(k, c, size, size, scale=math.sqrt(2 / (c * size * size)))
            y = td.conv(h, w, rand(k, scale=0.1), stride=stride, padding=size // 2)
            return td.relu(y) if relu else y

        h = resnet50_features(x, conv, narrow)
        features = 2048 // narrow
        net.output("logits", td.linear(h, rand(1000, features, scale=0.02), rand(1000, scale=0.1)))
        return net

    build()
    return build


def chain() -> td.Network:
    net = td.Network("chain")
    h = net.input("x", td.float32, (64, 64))
    for i in range(200):  # 5 layers each, and their constants
        h = td.tanh(h * np.float32(1.5) + np.float32(0.1 * (i % 7 - 3)))
        h = td.relu(h) - np.float32(0.25)
    net.output("y", h)
    return net


def by_hand(model: Any) -> Callable[[], Any]:
    """A function writing ``model``'s graph again with ``onnx.helper``: its nodes (attributes as Python
    values), initializers (from NumPy arrays), inputs, outputs and value_info."""
    from onnx import helper, numpy_helper

    graph = model.graph

    def info(v: Any) -> tuple[str, int, list[Any]]:
        tt = v.type.tensor_type
        return v.name, tt.elem_type, [d.dim_param or d.dim_value for d in tt.shape.dim]

    nodes = [(n.op_type, list(n.input), list(n.output), n.name, n.domain,
              {a.name: helper.get_attribute_value(a) for a in n.attribute}) for n in graph.node]
    arrays = [(numpy_helper.to_array(t), t.name) for t in graph.initializer]
    inputs, outputs = [info(v) for v in graph.input], [info(v) for v in graph.output]
    values = [info(v) for v in graph.value_info]
    opsets = [(o.domain, o.version) for o in model.opset_import]

    def write() -> Any:
        g = helper.make_graph(
            [helper.make_node(op, ins, outs, name=name, domain=domain or None, **attributes)
             for op, ins, outs, name, domain, attributes in nodes],
            graph.name,
            [helper.make_tensor_value_info(*v) for v in inputs],
            [helper.make_tensor_value_info(*v) for v in outputs],
            initializer=[numpy_helper.from_array(a, name) for a, name in arrays],
            value_info=[helper.make_tensor_value_info(*v) for v in values],
        )
        return helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])

    return write


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def bench(title: str, build: Callable[[], td.Network], repeats: int) -> None:
    trt = standin.module("11.4")
    define, export, hand, lowering = Timer(), Timer(), Timer(), Timer()
    for _ in range(repeats):  # interleaved, so that all see the same machine conditions
        net = define.measure(build)
        model = export.measure(net.to_onnx)
        hand.measure(by_hand(model))
        lowering.measure(lambda: lower(net, trt))
    layers, onnx_nodes = len(net.nodes), len(model.graph.node)
    per_layer = define.cpu / layers * 1e6
    ratio = export.cpu / hand.cpu
    lowered = lowering.cpu / layers * 1e6
    print(f"{title}: {layers} layers, {onnx_nodes} ONNX nodes, best of {repeats} (CPU; wall in brackets)")
    print(f"  define     {per_layer:7.2f} us/layer ({define.wall / layers * 1e6:7.2f})   "
          f"target <= {DEFINE_TARGET_US:.0f} us/layer: {verdict(per_layer <= DEFINE_TARGET_US)}")
    print(f"  to_onnx    {export.cpu / onnx_nodes * 1e6:7.2f} us/node  ({export.wall / onnx_nodes * 1e6:7.2f})   "
          f"onnx.helper {hand.cpu / onnx_nodes * 1e6:6.2f} us/node ({hand.wall / onnx_nodes * 1e6:6.2f}); "
          f"ratio {ratio:.2f}, target <= {EXPORT_RATIO_TARGET:.0f}x: {verdict(ratio <= EXPORT_RATIO_TARGET)}")
    print(f"  lowering   {lowered:7.2f} us/layer ({lowering.wall / layers * 1e6:7.2f})   "
          f"target <= {LOWERING_TARGET_US:.0f} us/layer: {verdict(lowered <= LOWERING_TARGET_US)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"trtdsl {td.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs, load average {load:.1f}\n")
    repeats = 2 if args.quick else 7
    bench(f"ResNet-50 v1 at 1/{NARROW} of its channels", resnet50_builder(NARROW), repeats)
    print()
    bench("elementwise chain", chain, repeats)


if __name__ == "__main__":
    main()
