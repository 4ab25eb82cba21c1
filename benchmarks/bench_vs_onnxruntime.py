"""The reference interpreter against onnxruntime's CPU engine on five networks, side by side in one run.

Each network is built with trtdsl's public API, exported with ``to_onnx()`` and run on onnxruntime's CPU
execution provider (default graph optimizations, 2 intra-op threads) and on the NumPy reference (NumPy's
BLAS with as many threads as the cores other processes leave idle: trtdsl.reference.blas), on the same
inputs, in one process. The two take turns after a warm-up (the one going first alternating), so both
see the same machine conditions. Each turn pauses (``--settle``, 0.2 s), runs the engine once untimed and
then times one run: OpenBLAS's threads and onnxruntime's intra-op threads keep spinning on a core for a
while after a run, so without the pause each engine would be timed while the other's idle threads take a
core from it, and the untimed run wakes the engine's own threads as repeated use would. The table gives
the median wall time of each, their ratio (reference / onnxruntime), the largest absolute difference of
the outputs, and the GFLOP/s each reaches (multiply-adds of the convolutions and matrix products count
two FLOPs; other layers are not counted).

Networks: ResNet-50 v1 (batch 1, 224x224, batch norm folded into the convolutions), an MLP
784-1024-1024-10 (batch 256), a transformer encoder block (batch 8, 128 tokens, width 256, 4 heads,
feed-forward 1024, GELU with erf), an LSTM written with ``td.scan`` (128 steps, batch 16, hidden 256) and
a chain of 1000 elementwise layers on a 64x64 tensor.

Targets: geometric mean of the ratios <= 1.0, no network above 1.5. ``--contended`` runs the same with
a CPU-bound process competing for the cores (the target there: the reference slows down no more than
onnxruntime does). Last, each engine runs ResNet-50 in a fresh process of its own, which reports how far
its resident memory rises above its resting size (target: the reference's peak below onnxruntime's).
The first line printed names NumPy's BLAS and its kernels: where ``OPENBLAS_CORETYPE`` in the environment
holds OpenBLAS to an older set than the CPU has, the reference's figures are not NumPy's as it runs by
default, and the line says how to run without it.
Run: python benchmarks/bench_vs_onnxruntime.py [--quick] [--contended]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import trtdsl as td
from trtdsl.layers._blas import openblas_config

from resnet import resnet50_features

GEOMEAN_TARGET = 1.0
WORST_TARGET = 1.5
ORT_THREADS = 2
# OpenBLAS's kernel sets that use AVX-512. A DYNAMIC_ARCH build (NumPy's) picks its set when it loads, by the
# CPU's model and instructions, unless OPENBLAS_CORETYPE names one: some machines set it to an older set,
# which on a CPU with AVX-512 halves the speed of matrix products (onnxruntime's MLAS picks its kernels by
# the CPU's instructions whatever the variable says).
AVX512_KERNELS = ("SkylakeX", "Cooperlake", "SapphireRapids")


@dataclass
class Case:
    """A network, its inputs, and the FLOPs of one run."""

    name: str
    net: td.Network
    feeds: dict[str, np.ndarray]
    flops: float


def _rand(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def resnet50() -> Case:
    rng = np.random.default_rng(0)
    net = td.Network("resnet50")
    x = net.input("image", td.float32, (1, 3, 224, 224))
    flops = 0.0

    def conv(h: td.Tensor, k: int, size: int, stride: int = 1, relu: bool = True) -> td.Tensor:
        nonlocal flops
        c = h.shape[1]
        w = _rand(rng, k, c, size, size, scale=math.sqrt(2 / (c * size * size)))
        y = td.conv(h, w, _rand(rng, k, scale=0.1), stride=stride, padding=size // 2)
        flops += 2 * k * c * size * size * y.shape[2] * y.shape[3]
        return td.relu(y) if relu else y

    h = resnet50_features(x, conv)
    h = td.linear(h, _rand(rng, 1000, 2048, scale=0.02), _rand(rng, 1000, scale=0.1))
    flops += 2 * 2048 * 1000
    net.output("logits", h)
    return Case("ResNet-50 v1, 1x3x224x224", net, {"image": _rand(rng, 1, 3, 224, 224)}, flops)


def mlp() -> Case:
    rng = np.random.default_rng(1)
    net = td.Network("mlp")
    h = net.input("x", td.float32, ("batch", 784))
    sizes = [784, 1024, 1024, 10]
    for i, (m, n) in enumerate(zip(sizes, sizes[1:])):
        h = h @ _rand(rng, m, n, scale=math.sqrt(2 / m)) + _rand(rng, n, scale=0.1)
        if i < len(sizes) - 2:
            h = td.relu(h)
    net.output("y", h)
    batch = 256
    flops = 2 * batch * sum(m * n for m, n in zip(sizes, sizes[1:]))
    return Case("MLP 784-1024-1024-10, batch 256", net, {"x": _rand(rng, batch, 784)}, flops)


def transformer() -> Case:
    rng = np.random.default_rng(2)
    b, s, d, heads, ffn = 8, 128, 256, 4, 1024
    net = td.Network("encoder")
    x = net.input("x", td.float32, (b, s, d))

    def dense(h: td.Tensor, m: int, n: int) -> td.Tensor:
        return td.linear(h, _rand(rng, n, m, scale=1 / math.sqrt(m)), _rand(rng, n, scale=0.1))

    q, k, v = (td.split_heads(dense(x, d, d), heads) for _ in range(3))
    scores = td.matmul(q, k, transpose_b=True) * np.float32(1 / math.sqrt(d // heads))
    attention = td.merge_heads(td.matmul(td.softmax(scores, axis=-1), v))
    h = td.layer_norm(x + dense(attention, d, d), np.ones(d, np.float32), np.zeros(d, np.float32))
    y = dense(td.gelu(dense(h, d, ffn)), ffn, d)
    net.output("y", td.layer_norm(h + y, np.ones(d, np.float32), np.zeros(d, np.float32)))
    flops = 2 * b * s * (4 * d * d + 2 * d * ffn) + 2 * 2 * b * s * s * d
    return Case("transformer block b8 s128 d256, GELU", net, {"x": _rand(rng, b, s, d)}, flops)


def lstm() -> Case:
    rng = np.random.default_rng(3)
    steps, batch, hidden = 128, 16, 256
    net = td.Network("lstm")
    xs = net.input("xs", td.float32, (steps, batch, hidden))
    w = net.constant(_rand(rng, 2 * hidden, 4 * hidden, scale=1 / math.sqrt(2 * hidden)), name="w")
    bias = net.constant(_rand(rng, 4 * hidden, scale=0.1), name="b")

    def step(carry: tuple[td.Tensor, td.Tensor], x: td.Tensor) -> tuple[tuple[td.Tensor, td.Tensor], td.Tensor]:
        h, c = carry
        gates = td.concatenate([x, h], axis=1) @ w + bias
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = td.sigmoid(f) * c + td.sigmoid(i) * td.tanh(g)
        h = td.sigmoid(o) * td.tanh(c)
        return (h, c), h

    zeros = np.zeros((batch, hidden), np.float32)
    _, hs = td.scan(step, (zeros, zeros), xs)
    net.output("hs", hs)
    flops = steps * 2 * batch * 2 * hidden * 4 * hidden
    return Case("LSTM (td.scan) 128 steps, b16 h256", net, {"xs": _rand(rng, steps, batch, hidden)}, flops)


def chain() -> Case:
    rng = np.random.default_rng(4)
    net = td.Network("chain")
    h = net.input("x", td.float32, (64, 64))
    for i in range(200):  # 5 layers each
        h = td.tanh(h * np.float32(1.5) + np.float32(0.1 * (i % 7 - 3)))
        h = td.relu(h) - np.float32(0.25)
    net.output("y", h)
    return Case("elementwise chain, 1000 layers, 64x64", net, {"x": _rand(rng, 64, 64)}, 0.0)


CASES: list[Callable[[], Case]] = [resnet50, mlp, transformer, lstm, chain]


def onnxruntime_runner(net: td.Network) -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = ORT_THREADS
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(net.to_onnx().SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = list(net.outputs)

    def run(feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(zip(names, session.run(names, feeds)))

    return run


@dataclass
class Row:
    name: str
    reference: float
    onnxruntime: float
    diff: float
    flops: float

    @property
    def ratio(self) -> float:
        return self.reference / self.onnxruntime


def measure(case: Case, warmup: int, repeats: int, settle: float) -> Row:
    ort_run = onnxruntime_runner(case.net)

    def ref_run(feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return case.net.run(feeds)

    engines = (("reference", ref_run), ("onnxruntime", ort_run))
    for _, fn in engines * warmup:
        fn(case.feeds)
    times: dict[str, list[float]] = {"reference": [], "onnxruntime": []}
    for i in range(repeats):
        for label, fn in engines[i % 2:] + engines[:i % 2]:
            time.sleep(settle)
            fn(case.feeds)
            start = time.perf_counter()
            fn(case.feeds)
            times[label].append(time.perf_counter() - start)
    want, got = ort_run(case.feeds), ref_run(case.feeds)
    diff = max(float(np.max(np.abs(got[k].astype(np.float64) - want[k]))) for k in want)
    return Row(case.name, statistics.median(times["reference"]), statistics.median(times["onnxruntime"]),
               diff, case.flops)


def table(rows: list[Row], title: str) -> float:
    print(title)
    print(f"    {'network':40s}{'reference':>12s}{'onnxruntime':>13s}{'ratio':>8s}{'max |diff|':>12s}"
          f"{'GFLOP/s ref / ort':>20s}")
    for r in rows:
        rates = (f"{r.flops / r.reference / 1e9:7.1f} / {r.flops / r.onnxruntime / 1e9:6.1f}" if r.flops
                 else f"{'-':>16s}")
        print(f"    {r.name:40s}{r.reference * 1e3:9.2f} ms{r.onnxruntime * 1e3:10.2f} ms{r.ratio:7.2f}x"
              f"{r.diff:12.2e}{rates:>20s}")
    geomean = math.exp(statistics.fmean(math.log(r.ratio) for r in rows))
    worst = max(r.ratio for r in rows)
    verdict = "meets" if geomean <= GEOMEAN_TARGET and worst <= WORST_TARGET else "MISSES"
    print(f"    geometric mean {geomean:.2f}x, worst {worst:.2f}x; targets <= {GEOMEAN_TARGET:.1f}x and "
          f"<= {WORST_TARGET:.1f}x: {verdict}")
    return geomean


def cpu_flags() -> set[str]:
    """The CPU's instruction set extensions as Linux lists them (empty where it does not)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line for line in info if line.startswith("flags")), "flags:")
    except OSError:
        return set()
    return set(flags.split(":", 1)[1].split())


def blas_line() -> str:
    """NumPy's BLAS as it describes itself, whether ``OPENBLAS_CORETYPE`` chose its kernels, and whether
    they leave the CPU's AVX-512 unused."""
    config = openblas_config()
    if config is None:
        return "NumPy's BLAS: not an OpenBLAS found in this process"
    line = f"NumPy's BLAS: {config}"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        line += (f"\n  its kernels were chosen by OPENBLAS_CORETYPE={forced}, set in the environment, not by "
                 "OpenBLAS from the CPU")
    if "avx512f" in cpu_flags() and not any(k in config.split() for k in AVX512_KERNELS):
        line += ("\n  this CPU has AVX-512, which these kernels do not use (onnxruntime's MLAS does): the "
                 "reference's matrix products run at about half their speed")
        if forced:
            line += (" here; to time NumPy as it runs by default, run without OpenBLAS's variables: "
                     "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python " + " ".join(sys.argv))
    return line


def competitor() -> subprocess.Popen[bytes]:
    """A CPU-bound Python process spinning until it is killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def peak_of(engine: str) -> None:
    """Print how far the resident memory of this process rises above its resting level while ``engine``
    runs ResNet-50 three times (Linux: the high-water mark is reset through /proc/self/clear_refs)."""
    case = resnet50()
    run = case.net.run if engine == "reference" else onnxruntime_runner(case.net)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current resident size
    resting = _status_kib("VmRSS")
    for _ in range(3):
        run(case.feeds)
    print(_status_kib("VmHWM") - resting)


def memory() -> None:
    """Each engine's peak memory while running ResNet-50, each in a fresh process of its own. glibc's
    allocator is given a fixed mmap threshold there (``MALLOC_MMAP_THRESHOLD_``), so that large blocks are
    returned to the system when freed: otherwise memory freed while the network was built stays resident
    and is reused by the run, which then seems to take none."""
    if not os.path.exists("/proc/self/clear_refs"):
        print("\nPeak memory: not measured (needs Linux's /proc)")
        return
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    rises = {engine: int(subprocess.run([sys.executable, __file__, "--peak-of", engine], check=True, env=env,
                                        capture_output=True, text=True).stdout.split()[-1])
             for engine in ("reference", "onnxruntime")}
    verdict = "meets" if rises["reference"] < rises["onnxruntime"] else "MISSES"
    print(f"\nPeak memory running ResNet-50 (above each process's resting size, after building the network "
          f"and, for onnxruntime, its session): reference {rises['reference'] / 1024:.1f} MiB, onnxruntime "
          f"{rises['onnxruntime'] / 1024:.1f} MiB; target: the reference below onnxruntime: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    parser.add_argument("--contended", action="store_true",
                        help="also run with a CPU-bound process competing for the cores")
    parser.add_argument("--settle", type=float, default=0.2, metavar="SECONDS",
                        help="pause before each turn, letting the other engine's threads go idle")
    parser.add_argument("--peak-of", choices=("reference", "onnxruntime"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_of:
        peak_of(args.peak_of)
        return
    warmup, repeats = (1, 3) if args.quick else (2, 7)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    import onnxruntime as ort

    print(f"trtdsl {td.__version__}, numpy {np.__version__}, onnxruntime {ort.__version__} "
          f"({ORT_THREADS} intra-op threads); {os.cpu_count()} CPUs, load average {load:.1f}; "
          f"median of {repeats} after {warmup} warm-up, {args.settle:g} s pause before each turn")
    print(blas_line() + "\n")
    cases = [make() for make in CASES]
    quiet = table([measure(c, warmup, repeats, args.settle) for c in cases], "Without added load:")
    if args.contended:
        spinner = competitor()
        try:
            loaded = table([measure(c, warmup, repeats, args.settle) for c in cases],
                           "\nWith a CPU-bound process competing:")
        finally:
            spinner.kill()
            spinner.wait()
        print(f"    the geometric mean moved from {quiet:.2f}x to {loaded:.2f}x")
    memory()


if __name__ == "__main__":
    main()
