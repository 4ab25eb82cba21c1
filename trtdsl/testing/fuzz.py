"""Differential fuzzing: drawn networks (:func:`trtdsl.testing.networks.networks`) run on two backends
until they disagree, then shrunk to the smallest network that still shows it (``trtdsl fuzz``).

A backend is one of :data:`BACKENDS` by name, or a function ``run(network, feeds) -> {name: array}``
(your plugin's runtime, another build of the engine, ...). A disagreement is an output out of
tolerance, or one backend raising where the other runs: every drawn network is valid, so a refusal is a
finding too.

>>> from trtdsl.testing.fuzz import fuzz
>>> result = fuzz("reference", "lower-raise-11.4", count=5, seed=1)
>>> result.count, result.failure is None
(5, True)
"""

from __future__ import annotations

import importlib.util
import sys
import time
from typing import Callable, Mapping, TextIO, Union

import attrs
import numpy as np
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings
from hypothesis import strategies as st

from trtdsl._files import atomic_write
from trtdsl.errors import ArgumentError, DSLError, bad_argument
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region, new_region
from trtdsl.ir.tensor import Tensor
from trtdsl.reference.interpreter import needed_nodes
from trtdsl.testing.compare import Runner, compare
from trtdsl.testing.networks import ATOL, RTOL, DrawnNetwork, networks


@attrs.frozen
class BackendEntry:
    """A backend ``trtdsl fuzz`` knows: what it is, why it cannot run here (None when it can), and the
    function that runs a network on it."""

    name: str
    description: str
    missing: Callable[[], str | None]
    runner: Callable[[], Runner]


def _module_missing(module: str, why: str) -> Callable[[], str | None]:
    return lambda: None if importlib.util.find_spec(module) is not None else why


def _named(backend: str) -> Runner:
    return lambda network, feeds: network.run(feeds, backend=backend)


def _lower_raise(version: str) -> Callable[[], Runner]:
    def make() -> Runner:
        from trtdsl.backends.tensorrt import lower, raise_network, standin

        trt = standin.module(version)
        return lambda network, feeds: raise_network(lower(network, trt).network, trt).run(feeds)

    return make


def _from_onnx_missing() -> str | None:
    td = sys.modules.get("trtdsl")
    return None if hasattr(td, "from_onnx") else "this trtdsl has no ONNX importer (td.from_onnx)"


def _export_import() -> Runner:
    td = sys.modules["trtdsl"]
    return lambda network, feeds: td.from_onnx(network.to_onnx()).run(feeds)


BACKENDS: dict[str, BackendEntry] = {
    e.name: e
    for e in (
        BackendEntry("reference", "the NumPy reference interpreter", lambda: None, lambda: _named("reference")),
        BackendEntry("onnxruntime", "ONNX export run by onnxruntime",
                     _module_missing("onnxruntime", "onnxruntime is not installed (pip install onnxruntime)"),
                     lambda: _named("onnxruntime")),
        BackendEntry("tensorrt", "an engine built by TensorRT, run on the GPU",
                     _module_missing("tensorrt", "TensorRT is not installed (it needs an NVIDIA GPU)"),
                     lambda: _named("tensorrt")),
        BackendEntry("lower-raise-10.16", "lowered into the TensorRT 10.16 stand-in, raised back, run on the "
                     "reference", lambda: None, _lower_raise("10.16")),
        BackendEntry("lower-raise-11.4", "lowered into the TensorRT 11.4 stand-in, raised back, run on the "
                     "reference", lambda: None, _lower_raise("11.4")),
        BackendEntry("export-import", "exported to ONNX, imported back with td.from_onnx, run on the reference",
                     _from_onnx_missing, _export_import),
    )
}

Backend = Union[str, Runner]


@attrs.frozen
class Failure:
    """The smallest disagreement found: the network, the inputs, and what differed."""

    network: Network
    inputs: Mapping[str, np.ndarray]
    report: str

    def to_python(self) -> str:
        """A script: the network's code (``build_network()``), the failing ``INPUTS`` and the report."""
        lines = [f"# {line}".rstrip() for line in self.report.splitlines()]
        code = self.network.to_python().replace('\n\nif __name__ == "__main__":\n    print(build_network())\n',
                                                "")
        feeds = ",\n".join(f"    {k!r}: np.array({v.tolist()!r}, np.{v.dtype.name})" for k, v in self.inputs.items())
        return ("# The smallest network found on which the backends disagree (trtdsl fuzz).\n"
                + "\n".join(lines) + "\n" + code + f"\n\nINPUTS = {{\n{feeds}\n}}\n\n\n"
                'if __name__ == "__main__":\n    net = build_network()\n    print(net)\n'
                "    for name, value in net.run(INPUTS).items():\n        print(name, value)\n")


@attrs.frozen
class FuzzResult:
    """How many networks ran on both backends, and the smallest failure (None if they always agreed)."""

    count: int
    failure: Failure | None


def _runner(backend: Backend, arg: str) -> tuple[str, Runner]:
    if callable(backend):
        return getattr(backend, "__name__", "custom"), backend
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise bad_argument("fuzz", arg, backend, f"one of {', '.join(BACKENDS)}, or a function "
                           "run(network, feeds) -> {output name: array}")
    entry = BACKENDS[backend]
    missing = entry.missing()
    if missing is not None:
        raise ArgumentError(f"fuzz: backend {backend!r} cannot run here: {missing}")
    run = entry.runner()

    def named(network: Network, feeds: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
        return run(network, feeds)

    named.__name__ = backend  # how comparison reports name it
    return backend, named


def fuzz(
    first: Backend,
    second: Backend,
    *,
    count: int | None = 100,
    seconds: float | None = None,
    seed: int = 0,
    strategy: st.SearchStrategy[DrawnNetwork] | None = None,
    progress: TextIO | None = None,
) -> FuzzResult:
    """Run networks drawn from ``strategy`` (default ``networks()``) on both backends until ``count``
    networks agreed or ``seconds`` passed (whichever comes first; one of them must be given), in batches
    of hypothesis runs seeded from ``seed``. The first disagreement is shrunk by hypothesis; the result
    holds the smallest. ``progress`` (a terminal) shows the count as it goes."""
    names = _runner(first, "first"), _runner(second, "second")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count <= 0):
        raise bad_argument("fuzz", "count", count, "an int > 0, or None")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not seconds > 0):
        raise bad_argument("fuzz", "seconds", seconds, "a number > 0, or None")
    if count is None and seconds is None:
        raise ArgumentError("fuzz: give count or seconds (or both); both are None")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise bad_argument("fuzz", "seed", seed, "an int >= 0")
    drawn = networks() if strategy is None else strategy
    if not isinstance(drawn, st.SearchStrategy):
        raise bad_argument("fuzz", "strategy", drawn, "a hypothesis strategy of DrawnNetwork")
    if progress is not None and not callable(getattr(progress, "write", None)):
        raise bad_argument("fuzz", "progress", progress, "a text stream (sys.stderr) or None")
    (a_name, a_run), (b_name, b_run) = names
    start = time.monotonic()
    agreed = [0]
    last: list[Failure] = []

    def out_of_budget() -> bool:
        return (count is not None and agreed[0] >= count) or (
            seconds is not None and time.monotonic() - start >= seconds)

    def disagreement(network: Network, feeds: Mapping[str, np.ndarray]) -> str | None:
        try:
            report = compare(network, feeds, backends=(a_run, b_run), rtol=RTOL, atol=ATOL)
            text = None if report.ok else str(report)
        except DSLError as exc:
            text = f"a backend raised {type(exc).__name__}: {exc.message}"
        return None if text is None else f"{a_name} vs {b_name}: {text}"

    def check(case: DrawnNetwork, data: st.DataObject) -> None:
        feeds = data.draw(case.inputs)
        text = disagreement(case.network, feeds)
        if text is not None:
            last.append(Failure(case.network, feeds, text))
            raise AssertionError(text)
        agreed[0] += 1

    batch = 0
    while not out_of_budget():
        size = 25 if count is None else min(25, count - agreed[0])
        test = settings(max_examples=size, deadline=None, database=None, derandomize=False,
                        suppress_health_check=list(HealthCheck),
                        phases=(Phase.generate, Phase.shrink), print_blob=False,
                        report_multiple_bugs=False)(
            given(drawn, st.data())(check))
        try:
            hypothesis_seed(seed * 1_000_003 + batch)(test)()
        except Exception:  # hypothesis re-raises the smallest failure last (or says it was flaky)
            if last:
                return FuzzResult(agreed[0], _smaller(last[-1], disagreement))
            raise
        batch += 1
        if progress is not None:
            progress.write(f"\r{agreed[0]} networks agree ({time.monotonic() - start:.0f} s)")
            progress.flush()
    if progress is not None:
        progress.write("\n")
    return FuzzResult(agreed[0], None)


def _needed(network: Network, outputs: list[str]) -> list[Node]:
    """The layers that the named outputs need, with every boundary layer of each region they touch (a
    region's condition, trip limit and back edges are not on the outputs' data path)."""
    regions: set[Region] = set()

    def boundary(node: Node) -> list[Node]:
        region = getattr(node.op, "region", None)
        if not isinstance(region, Region) or region in regions:
            return []
        regions.add(region)
        return [n for n in network.nodes if getattr(n.op, "region", None) == region]

    needed = needed_nodes(network, boundary, outputs=[network.outputs[name] for name in outputs])
    return [n for n in network.nodes if n in needed]


def pruned(network: Network, outputs: list[str]) -> Network:
    """A copy of ``network`` with only the named outputs and the layers they need."""
    copy = Network(network.name)
    tensors: dict[Tensor, Tensor] = {}
    layers = _needed(network, outputs)
    read = {u for n in layers for u in n.inputs if u is not None} | {network.outputs[o] for o in outputs}
    for name, t in network.inputs.items():
        if t in read:
            shape = tuple(str(d) if isinstance(d, Dim) and d.is_symbol else d for d in t.shape)
            tensors[t] = copy.input(name, t.dtype, shape, shape_tensor=name in network.shape_inputs)
    for profile in network.profiles:
        names = set(copy.dim_names()) | set(copy.inputs) & copy.shape_inputs
        kept = {k: v for k, v in profile.as_dict().items() if k in names}
        if kept:
            copy.add_profile(kept)
    regions: dict[Region, Region] = {}
    later = []
    for node in layers:
        op = node.op
        region = getattr(op, "region", None)
        if isinstance(region, Region):
            if region not in regions:
                regions[region] = new_region(copy, region.kind, region.name)
            op = attrs.evolve(op, region=regions[region])  # type: ignore[misc]  # boundary ops are attrs classes
        given = node.inputs[:1] if op.kind == "Recurrence" else node.inputs
        made = copy.add(op, [None if t is None else tensors[t] for t in given])
        tensors.update(zip(node.outputs, made))
        if op.kind == "Recurrence" and len(node.inputs) > 1 and node.inputs[1] is not None:
            later.append((made[0].producer, node.inputs[1]))
    for recurrence, t in later:
        assert recurrence is not None, "a layer's output has its producer"
        copy.set_input(recurrence, 1, tensors[t])
    for name in outputs:
        copy.output(name, tensors[network.outputs[name]])
    return copy


def _smaller(failure: Failure, check: Callable[[Network, Mapping[str, np.ndarray]], str | None]) -> Failure:
    """``failure`` on the fewest outputs (and the layers they need) that still disagree."""
    network, feeds = failure.network, failure.inputs
    for name in list(network.outputs):
        if len(network.outputs) == 1:
            break
        try:
            candidate = pruned(network, [o for o in network.outputs if o != name])
        except DSLError:
            continue
        kept = {k: v for k, v in feeds.items() if k in candidate.inputs}
        text = check(candidate, kept)
        if text is not None:
            network, feeds, failure = candidate, kept, Failure(candidate, kept, text)
    try:
        candidate = pruned(network, list(network.outputs))
    except DSLError:
        return failure
    kept = {k: v for k, v in feeds.items() if k in candidate.inputs}
    text = check(candidate, kept)
    return failure if text is None else Failure(candidate, kept, text)


def write_failure(failure: Failure, path: str) -> str:
    """Write ``failure.to_python()`` to ``path`` atomically; returns the path."""
    return str(atomic_write(path, failure.to_python().encode(), fn="fuzz"))


__all__ = ["BACKENDS", "BackendEntry", "Failure", "FuzzResult", "fuzz", "write_failure"]
