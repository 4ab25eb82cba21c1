"""The reference interpreter on a loop: a 128-step LSTM, against the same LSTM as a plain Python loop
over NumPy, measured side by side in one run.

Three ways to run the same 128 steps:

* the network on the reference interpreter (td.Loop: an iterator over the inputs, recurrences for
  ``h`` and ``c``, a CONCATENATE output; per step a matmul of ``[x, h]``, four gate slices, activations);
* the body layers' own NumPy kernels (each layer's ``reference``) called directly in a Python loop,
  which is what the interpreter does minus its own work, so the difference is the interpreter's
  per-iteration overhead;
* the LSTM written as plain NumPy (``gates = np.concatenate([x, h]) @ w + b`` ...).

Target: the interpreter at most 2x plain NumPy. Sizes: sampleCharRNN's (hidden 512, batch 1) and a small
one (hidden 64), where the fixed cost per layer dominates. Each figure is the best of several repeats
(CPU time; wall time in brackets), NumPy on one BLAS thread. Run: python benchmarks/bench_loops.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads its BLAS

import argparse
import time
from collections.abc import Callable

import numpy as np

import trtdsl as td
from trtdsl.ir.node import Node
from trtdsl.reference.interpreter import plan

STEPS = 128
RATIO_TARGET = 2.0


def best(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best CPU and wall time of ``fn`` over ``repeats`` runs, in seconds."""
    cpu = wall = float("inf")
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return cpu, wall


def lstm_network(w: np.ndarray, b: np.ndarray, batch: int, inputs: int, hidden: int) -> td.Network:
    net = td.Network("lstm")
    xs = net.input("xs", td.float32, (STEPS, batch, inputs))
    wc, bc = net.constant(w, name="w"), net.constant(b, name="b")
    with td.Loop(trip_count=STEPS) as loop:
        x = loop.iterate(xs)
        h = loop.carry(np.zeros((batch, hidden), np.float32))
        c = loop.carry(np.zeros((batch, hidden), np.float32))
        gates = td.concatenate([x, h], axis=1) @ wc + bc
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c_next = td.sigmoid(f) * c + td.sigmoid(i) * td.tanh(g)
        h_next = td.sigmoid(o) * td.tanh(c_next)
        h.update(h_next)
        c.update(c_next)
        hs = loop.collect(h_next)
    net.output("hs", hs)
    return net


def numpy_lstm(w: np.ndarray, b: np.ndarray, xs: np.ndarray, hidden: int) -> np.ndarray:
    batch = xs.shape[1]
    h, c, out = np.zeros((batch, hidden), np.float32), np.zeros((batch, hidden), np.float32), []
    for x in xs:
        gates = np.concatenate([x, h], axis=1) @ w + b
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = 1 / (1 + np.exp(-f)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
        h = 1 / (1 + np.exp(-o)) * np.tanh(c)
        out.append(h)
    return np.stack(out)


def kernels_direct(net: td.Network) -> Callable[[np.ndarray], np.ndarray]:
    """The loop body's layer references called in a plain Python loop (no interpreter)."""
    steps = plan(net).steps
    (loop,) = [s for s in steps if not isinstance(s, Node)]
    before = [(n.op.reference, n.inputs, n.outputs[0]) for n in steps[:steps.index(loop)]]
    body = [(n.op.reference, n.inputs, n.outputs[0]) for n in loop.body_steps]
    (iterated, source, _, _, _), (collected,) = loop.iterators[0], loop.collected

    def run(xs: np.ndarray) -> np.ndarray:
        values = {source: xs}
        for reference, inputs, out in before:  # the constants and other loop invariants
            values[out] = reference(*[values[t] for t in inputs])[0]
        for out, init, _ in loop.recurrences:
            values[out] = values[init]
        stacked = []
        for step in range(STEPS):
            values[iterated] = xs[step]
            for reference, inputs, out in body:
                values[out] = reference(*[values[t] for t in inputs])[0]
            stacked.append(values[collected])
            nexts = [values[nxt] for _, _, nxt in loop.recurrences]
            for (out, _, _), value in zip(loop.recurrences, nexts):
                values[out] = value
        return np.stack(stacked)

    return run


def bench(batch: int, inputs: int, hidden: int, repeats: int) -> float:
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((inputs + hidden, 4 * hidden)) * 0.1).astype(np.float32)
    b = (rng.standard_normal(4 * hidden) * 0.1).astype(np.float32)
    xs = rng.standard_normal((STEPS, batch, inputs)).astype(np.float32)
    net = lstm_network(w, b, batch, inputs, hidden)
    direct = kernels_direct(net)
    want = numpy_lstm(w, b, xs, hidden)
    np.testing.assert_allclose(net.run({"xs": xs})["hs"], want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(direct(xs), want, rtol=1e-4, atol=1e-5)
    timings = {"reference interpreter": best(lambda: net.run({"xs": xs}), repeats),
               "body kernels, direct": best(lambda: direct(xs), repeats),
               "plain NumPy loop": best(lambda: numpy_lstm(w, b, xs, hidden), repeats)}
    (interp, _), (kernels, _), (plain, _) = timings.values()
    body = len(plan(net).steps[-1].body_steps)
    print(f"LSTM, {STEPS} steps, batch {batch}, input {inputs}, hidden {hidden} ({body} layers per step), "
          f"best of {repeats}:")
    for label, (cpu, wall) in timings.items():
        print(f"    {label:24s}{cpu * 1e3:8.2f} ms CPU ({wall * 1e3:.2f} ms wall)   {cpu / STEPS * 1e6:7.1f} "
              "us/step")
    ratio = interp / plain
    print(f"    interpreter's own overhead per step: {(interp - kernels) / STEPS * 1e6:.1f} us "
          f"({(interp - kernels) / STEPS / body * 1e6:.2f} us per layer)")
    print(f"    interpreter / plain NumPy = {ratio:.2f}; target <= {RATIO_TARGET:.0f}x: "
          f"{'meets' if ratio <= RATIO_TARGET else 'MISSES'}  (the body's kernels alone: "
          f"{kernels / plain:.2f}x)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 15
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"trtdsl {td.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs, load average "
          f"{load:.1f}\n")
    bench(batch=1, inputs=512, hidden=512, repeats=repeats)
    print()
    bench(batch=1, inputs=64, hidden=64, repeats=repeats)


if __name__ == "__main__":
    main()
