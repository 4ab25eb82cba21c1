"""td.from_onnx on a ResNet-50-sized model, next to onnx.load + onnx.checker on the same file.

The model is ResNet-50's graph written with onnx.helper (53 convolutions with BatchNormalization, Relu,
the 16 bottleneck blocks' residual Adds, MaxPool, GlobalAveragePool, Flatten, Gemm: about 25.6 million
float32 weights, ~100 MB) and saved to a temporary file. Timed, each the best of a few repeats:

* ``onnx.load`` + ``onnx.checker.check_model``: what any consumer of the file pays first;
* ``td.from_onnx(path)``: the same load and check, then the import of every node (the network's layers
  validated as they are made).

The figure of interest is the import's own time per ONNX node (from_onnx minus load + check, divided by
the node count). Run: python benchmarks/bench_onnx_import.py [--quick] (--quick: one repeat, a ResNet-18
layout)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import trtdsl as td

RESNET50 = (3, 4, 6, 3)  # bottleneck blocks per stage
RESNET18 = (2, 2, 2, 2)  # the quick run: the same stages, fewer blocks


class Builder:
    """Collects the nodes and initializers of a ResNet written with onnx.helper."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def weight(self, *shape: int) -> str:
        name = self.fresh("w")
        values = self.rng.standard_normal(shape).astype(np.float32) * np.float32(0.05)
        self.inits.append(numpy_helper.from_array(values, name))
        return name

    def conv_bn(self, x: str, cin: int, cout: int, k: int, stride: int, relu: bool = True) -> str:
        y = self.fresh("conv")
        w = self.weight(cout, cin, k, k)
        conv = helper.make_node("Conv", [x, w], [y], strides=[stride] * 2, pads=[k // 2] * 4, name=y)
        self.nodes.append(conv)
        stats = [self.weight(cout) for _ in range(4)]
        self.inits[-1] = numpy_helper.from_array(np.abs(numpy_helper.to_array(self.inits[-1])) + 1, stats[-1])
        z = self.fresh("bn")
        self.nodes.append(helper.make_node("BatchNormalization", [y, *stats], [z], name=z))
        if not relu:
            return z
        r = self.fresh("relu")
        self.nodes.append(helper.make_node("Relu", [z], [r], name=r))
        return r

    def bottleneck(self, x: str, cin: int, width: int, stride: int) -> str:
        h = self.conv_bn(x, cin, width, 1, 1)
        h = self.conv_bn(h, width, width, 3, stride)
        h = self.conv_bn(h, width, width * 4, 1, 1, relu=False)
        skip = x
        if cin != width * 4 or stride != 1:
            skip = self.conv_bn(x, cin, width * 4, 1, stride, relu=False)
        s, r = self.fresh("add"), self.fresh("relu")
        self.nodes += [helper.make_node("Add", [h, skip], [s], name=s),
                       helper.make_node("Relu", [s], [r], name=r)]
        return r


def resnet(blocks: tuple[int, ...]) -> onnx.ModelProto:
    b = Builder()
    h = b.conv_bn("image", 3, 64, 7, 2)
    b.nodes.append(helper.make_node("MaxPool", [h], ["pool"], kernel_shape=[3, 3], strides=[2, 2],
                                    pads=[1, 1, 1, 1], name="pool"))
    h, cin = "pool", 64
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        for i in range(count):
            h = b.bottleneck(h, cin, width, 2 if i == 0 and stage > 0 else 1)
            cin = width * 4
    b.nodes += [helper.make_node("GlobalAveragePool", [h], ["gap"], name="gap"),
                helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
                helper.make_node("Gemm", ["flat", b.weight(1000, cin), b.weight(1000)], ["logits"], transB=1,
                                 name="fc")]
    graph = helper.make_graph(b.nodes, "resnet", [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                                                                ["batch", 3, 224, 224])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1000])],
                              b.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def best(fn: Callable[[], object], repeats: int) -> float:
    """The best wall time of ``fn`` over ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def load_and_check(path: str) -> None:
    onnx.checker.check_model(onnx.load(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repeat, ResNet-18's block counts")
    args = parser.parse_args()
    blocks, repeats = (RESNET18, 1) if args.quick else (RESNET50, 3)
    model = resnet(blocks)
    nodes = len(model.graph.node)
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "resnet.onnx")
        onnx.save(model, path)
        size = os.path.getsize(path)
        baseline = best(lambda: load_and_check(path), repeats)
        network: list[td.Network] = []
        imported = best(lambda: network.append(td.from_onnx(path)), repeats)
    layers = len(network[-1].nodes)
    own = max(imported - baseline, 0.0)
    print(f"ResNet blocks {blocks}: {nodes} ONNX nodes, {weights / 1e6:.1f}M weights, {size / 1e6:.0f} MB")
    print(f"  onnx.load + onnx.checker: {baseline * 1e3:8.1f} ms")
    print(f"  td.from_onnx:             {imported * 1e3:8.1f} ms  ({layers} layers)")
    print(f"  the import's own time:    {own * 1e3:8.1f} ms = {own / nodes * 1e6:.0f} us per ONNX node")


if __name__ == "__main__":
    main()
