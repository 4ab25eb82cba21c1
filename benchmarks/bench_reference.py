"""Costs of the reference interpreter and of building networks, measured side by side in one run.

(a) Interpretive overhead: the reference interpreter running TensorRT's MNIST network (conv, pool,
    matmul, softmax) at batch 64, against the very same NumPy kernels (each layer's ``reference``, or the
    form the interpreter gives it for its constant operands) called directly in straight-line code.
    Target: at most 10% overhead.
(b) Construction: defining and validating a 10,000-layer network (each layer checked by its ``infer``
    and named as it is created), in microseconds per layer. Target: at most 10 us per layer. Also the
    time to print that network (its textual IR).
``to_onnx()`` and the TensorRT lowering are measured by bench_construction.py, against an ``onnx.helper``
script that writes the very graph the export writes.

Each figure is the best of several repeats, as wall-clock time and as this process's CPU time; the
verdicts use CPU time, which other work on a shared machine disturbs much less. NumPy runs on one BLAS
thread so that CPU time is the work done. Run: python benchmarks/bench_reference.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads its BLAS

import argparse
import gc
import time
from collections.abc import Callable
from functools import partial

import numpy as np

import trtdsl as td
from trtdsl.reference.interpreter import constant_forms, plan

OVERHEAD_TARGET = 0.10
PER_LAYER_TARGET_US = 10.0


class Timer:
    """Best wall-clock and CPU time over the runs measured with it."""

    def __init__(self) -> None:
        self.wall = float("inf")
        self.cpu = float("inf")

    def measure(self, fn: Callable[[], object]) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        self.cpu = min(self.cpu, time.process_time() - cpu)
        self.wall = min(self.wall, time.perf_counter() - wall)
        return result

    def text(self, per: int = 1, unit: str = "ms", scale: float = 1e3) -> str:
        return f"{self.wall / per * scale:8.2f} {unit} wall, {self.cpu / per * scale:8.2f} {unit} CPU"


def mnist(batch: int) -> tuple[td.Network, Callable[[np.ndarray], np.ndarray], np.ndarray]:
    """The MNIST network with random weights, a function making the same kernel calls directly, and an
    input."""
    rng = np.random.default_rng(0)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    net = td.Network("mnist")
    c = {name: net.constant(rand(*shape), name=name) for name, shape in [
        ("conv1_w", (20, 1, 5, 5)), ("conv1_b", (20,)), ("conv2_w", (50, 20, 5, 5)), ("conv2_b", (50,)),
        ("dense1_w", (800, 500)), ("dense1_b", (1, 500)), ("dense2_w", (500, 10)), ("dense2_b", (1, 10))]}
    image = net.input("image", td.float32, ("batch", 1, 28, 28))
    h = td.conv(image, c["conv1_w"], c["conv1_b"], name="conv1")
    h = td.max_pool(h, 2, name="pool1")
    h = td.conv(h, c["conv2_w"], c["conv2_b"], name="conv2")
    h = td.max_pool(h, 2, name="pool2")
    h = td.reshape(h, (h.shape[0], 800), name="flatten")
    h = td.add(td.matmul(h, c["dense1_w"], name="dense1"), c["dense1_b"], name="dense1_bias")
    h = td.relu(h, name="relu1")
    h = td.add(td.matmul(h, c["dense2_w"], name="dense2"), c["dense2_b"], name="dense2_bias")
    net.output("prob", td.softmax(h, axis=1, name="prob_softmax"))

    op = {node.name: node.op for node in net.nodes}
    k = {name: op[name].weights.array for name in c}
    # each layer's kernel as the interpreter runs it: its op's reference, or the faster form it gets for
    # its constant operands (a convolution's kernel, a dense layer's bias: see constant_forms)
    the_plan = plan(net)
    forms = constant_forms([n for n in the_plan.nodes if n.op.kind != "Constant"],
                           {c[name]: k[name] for name in c}, the_plan.expected({"batch": batch}),
                           list(net.outputs.values()))
    kernel = {node.name: forms.get(node, node.op.reference) for node in net.nodes}

    def direct(x: np.ndarray) -> np.ndarray:
        (h,) = kernel["conv1"](x, k["conv1_w"], k["conv1_b"])
        (h,) = kernel["pool1"](h)
        (h,) = kernel["conv2"](h, k["conv2_w"], k["conv2_b"])
        (h,) = kernel["pool2"](h)
        (h,) = kernel["flatten"](h)
        (h,) = kernel["dense1"](h, k["dense1_w"])
        (h,) = kernel["dense1_bias"](h, k["dense1_b"])
        (h,) = kernel["relu1"](h)
        (h,) = kernel["dense2"](h, k["dense2_w"])
        (h,) = kernel["dense2_bias"](h, k["dense2_b"])
        (h,) = kernel["prob_softmax"](h)
        return h

    return net, direct, rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)


def bench_interpreter(batch: int, repeats: int) -> float:
    net, direct, x = mnist(batch)
    np.testing.assert_allclose(net.run({"image": x})["prob"], direct(x), rtol=1e-6)
    interpreted, straight = Timer(), Timer()
    for _ in range(repeats):  # interleaved, so that both see the same machine conditions
        interpreted.measure(lambda: net.run({"image": x}))
        straight.measure(lambda: direct(x))
    overhead = interpreted.cpu / straight.cpu - 1
    print(f"(a) MNIST network ({len(net.nodes)} layers), batch {batch}, best of {repeats}:")
    print(f"    reference interpreter   {interpreted.text()}")
    print(f"    same kernels, direct    {straight.text()}")
    verdict = "meets" if overhead <= OVERHEAD_TARGET else "MISSES"
    wall = interpreted.wall / straight.wall - 1
    print(f"    interpretive overhead   {overhead:+.1%} CPU ({wall:+.1%} wall); "
          f"target <= {OVERHEAD_TARGET:.0%}: {verdict}")
    return overhead


def deep_network(blocks: int) -> td.Network:
    """``4 * blocks`` layers: relu, multiply, tanh, add, repeated (activations and broadcasting elementwise
    layers, each validated and named when created)."""
    net = td.Network("deep")
    x = net.input("x", td.float32, ("batch", 16))
    for _ in range(blocks):
        a = td.relu(x)
        x = td.tanh(a * x) + a
    net.output("y", x)
    return net


def bench_construction(layers: int, repeats: int) -> float:
    build, show = Timer(), Timer()
    for _ in range(repeats):
        gc.collect()
        net = build.measure(lambda: deep_network(layers // 4))
        text = show.measure(partial(str, net))
    count = len(net.nodes)  # type: ignore[attr-defined]
    per_layer = build.cpu / count * 1e6
    print(f"(b) a {count}-layer network (relu, multiply, tanh, add, repeated), best of {repeats}:")
    print(f"    define + validate       {build.text(count, 'us/layer', 1e6)}")
    verdict = "meets" if per_layer <= PER_LAYER_TARGET_US else "MISSES"
    print(f"    target <= {PER_LAYER_TARGET_US:.0f} us/layer: {verdict}")
    lines = len(str(text).splitlines())
    print(f"    print(net)              {show.text(count, 'us/layer', 1e6)}   ({lines} lines)")
    return per_layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"trtdsl {td.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs, "
          f"load average {load:.1f}\n")
    bench_interpreter(batch=64, repeats=5 if args.quick else 30)
    print()
    bench_construction(layers=10_000, repeats=2 if args.quick else 7)


if __name__ == "__main__":
    main()
