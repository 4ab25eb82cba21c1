"""Comparing a network's outputs across backends, with a report users can act on.

``compare(net, inputs, backends=("reference", "onnxruntime"))`` runs every backend on every input set
and checks each output against the first backend's: same dtype and shape, NaN and ±inf in the same
places, and ``abs(got - want) <= atol + rtol * abs(want)`` elsewhere, with tolerances per dtype
(:data:`DEFAULT_TOLERANCES`). Each output's report gives the largest absolute and relative errors, where
they are, both values there, how many elements are out of tolerance, and the NaN/inf counts.

A backend is a name (``"reference"``, ``"onnxruntime"``, ``"tensorrt"``) or any function
``run(network, inputs) -> {output name: array}`` -- for example an independent NumPy formula.

>>> import numpy as np, trtdsl as td
>>> from trtdsl.testing.compare import compare
>>> net = td.Network("demo")
>>> x = net.input("x", td.float32, (3,))
>>> net.output("y", td.sigmoid(x))
>>> def formula(network, feeds):
...     return {"y": (1 / (1 + np.exp(-feeds["x"].astype(np.float64)))).astype(np.float32)}
>>> report = compare(net, {"x": np.array([-1.0, 0.0, 2.0], np.float32)}, backends=("reference", formula))
>>> report.ok
True
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DSLError, bad_argument, shown
from trtdsl.ir.network import Network, expect_network

Runner = Callable[[Network, Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]
Backend = Union[str, Runner]


@attrs.frozen
class Tolerance:
    """``abs(got - want) <= atol + rtol * abs(want)``."""

    rtol: float
    atol: float

    def __str__(self) -> str:
        return "exact" if self.rtol == 0 and self.atol == 0 else f"rtol={self.rtol:g}, atol={self.atol:g}"


# Two units in the last place for floats (1e-5 for float32 leaves room for different libm's); integers,
# booleans and quantized integers must match exactly; fp8/fp4 one step of their 3/1-bit mantissa.
DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "float32": Tolerance(1e-5, 1e-5),
    "float16": Tolerance(2e-3, 2e-3),
    "bfloat16": Tolerance(1.6e-2, 1.6e-2),
    "float8_e4m3": Tolerance(0.125, 0.0),
    "float4_e2m1": Tolerance(0.5, 0.0),
    "e8m0": Tolerance(0.0, 0.0),
}
_EXACT = Tolerance(0.0, 0.0)


def tolerance_for(dtype: DType, rtol: Any = None, atol: Any = None) -> Tolerance:
    """The tolerance for ``dtype``: ``rtol``/``atol`` are numbers (for every dtype) or dicts keyed by
    dtype (a DType or its name); what they leave out comes from :data:`DEFAULT_TOLERANCES`.

    >>> tolerance_for(dtypes.float16, rtol={"float16": 1e-2})
    Tolerance(rtol=0.01, atol=0.002)
    """
    dtype = dtypes.dtype(dtype)
    default = DEFAULT_TOLERANCES.get(dtype.name, _EXACT)
    return Tolerance(_pick(rtol, dtype, default.rtol, "rtol"), _pick(atol, dtype, default.atol, "atol"))


def _pick(value: Any, dtype: DType, default: float, arg: str) -> float:
    if value is None:
        return default
    if isinstance(value, Mapping):
        for key, v in value.items():
            if dtypes.dtype(key) is dtype:
                return _non_negative(v, arg)
        return default
    return _non_negative(value, arg)


def _non_negative(value: Any, arg: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise ArgumentError(
            f"compare: argument '{arg}' is {shown(value)}; expected a finite number >= 0 or a dict of dtype "
            "-> number"
        )
    return float(value)


@attrs.frozen
class OutputReport:
    """How one output of one backend compares with the baseline's."""

    name: str
    baseline: str
    backend: str
    tolerance: Tolerance
    problem: str = ""  # a missing output or a dtype/shape difference, which stops the comparison
    size: int = 0
    mismatches: int = 0  # elements out of tolerance, NaN and inf differences included
    max_abs_error: float = 0.0
    max_abs_at: tuple[int, ...] | None = None
    max_rel_error: float = 0.0
    max_rel_at: tuple[int, ...] | None = None
    want_at_worst: Any = None
    got_at_worst: Any = None
    nan_counts: tuple[int, int] = (0, 0)  # baseline, backend
    inf_counts: tuple[int, int] = (0, 0)
    nan_mismatches: int = 0  # places where exactly one of the two is NaN
    inf_mismatches: int = 0  # places where one is ±inf and the other is not the same inf

    @property
    def ok(self) -> bool:
        return not self.problem and self.mismatches == 0

    def __str__(self) -> str:
        head = f"{self.name}: {self.backend} vs {self.baseline}"
        if self.problem:
            return f"{head}: {self.problem}"
        if self.ok:
            return (
                f"{head}: ok ({self.size} elements, {self.tolerance}; max abs error {self.max_abs_error:.3g})"
            )
        lines = [f"{head}: {self.mismatches} of {self.size} elements out of tolerance ({self.tolerance})"]
        if self.max_abs_at is not None:
            lines.append(
                f"    max abs error {self.max_abs_error:.6g} at {self.max_abs_at}: "
                f"{self.baseline} {self.want_at_worst!r}, {self.backend} {self.got_at_worst!r}"
            )
        if self.max_rel_at is not None:
            lines.append(f"    max rel error {self.max_rel_error:.6g} at {self.max_rel_at}")
        if self.nan_mismatches or self.nan_counts != (0, 0):
            lines.append(
                f"    NaN: {self.nan_counts[0]} in {self.baseline}, {self.nan_counts[1]} in {self.backend}; "
                f"{self.nan_mismatches} places where only one is NaN"
            )
        if self.inf_mismatches or self.inf_counts != (0, 0):
            lines.append(
                f"    inf: {self.inf_counts[0]} in {self.baseline}, {self.inf_counts[1]} in {self.backend}; "
                f"{self.inf_mismatches} places where they differ"
            )
        return "\n".join(lines)


def compare_arrays(
    name: str,
    want: np.ndarray,
    got: np.ndarray,
    tolerance: Tolerance,
    *,
    baseline: str = "expected",
    backend: str = "got",
) -> OutputReport:
    """Compare one array with the baseline's (see the module doc for the rule).

    >>> r = compare_arrays("y", np.array([1.0, np.nan], np.float32), np.array([1.5, np.nan], np.float32),
    ...                    Tolerance(0.0, 0.1))
    >>> r.mismatches, r.max_abs_error, r.max_abs_at
    (1, 0.5, (0,))
    """
    if not isinstance(tolerance, Tolerance):
        raise bad_argument("compare_arrays", "tolerance", tolerance, "a Tolerance (see tolerance_for)")
    base: dict[str, Any] = dict(name=name, baseline=baseline, backend=backend, tolerance=tolerance)
    want, got = as_result(baseline, name, want), as_result(backend, name, got)
    if want.dtype != got.dtype:
        return OutputReport(**base, problem=f"dtype {got.dtype} differs from {want.dtype}")
    if want.shape != got.shape:
        return OutputReport(**base, problem=f"shape {got.shape} differs from {want.shape}")
    if want.dtype.kind not in "biuf" and dtypes.of_array(want) is None:
        return OutputReport(**base, problem=f"dtype {want.dtype} is not a TensorRT data type")
    if want.dtype.kind in "biu" and tolerance == _EXACT or want.dtype == np.bool_:
        return _exact(base, want, got)
    w, g = want.astype(np.float64), got.astype(np.float64)
    w_nan, g_nan = np.isnan(w), np.isnan(g)
    w_inf, g_inf = np.isinf(w), np.isinf(g)
    nan_bad = w_nan != g_nan
    inf_bad = (w_inf | g_inf) & ~(w_nan | g_nan) & (w != g)
    finite = ~(w_nan | g_nan | w_inf | g_inf)
    with np.errstate(all="ignore"):
        abs_err = np.where(finite, np.abs(g - w), 0.0)
        rel_err = np.where(
            finite & (w != 0), abs_err / np.abs(w), np.where(finite & (abs_err > 0), np.inf, 0.0)
        )
    out_of_tol = finite & (abs_err > tolerance.atol + tolerance.rtol * np.abs(w))
    counts: dict[str, Any] = dict(
        nan_counts=(int(w_nan.sum()), int(g_nan.sum())),
        inf_counts=(int(w_inf.sum()), int(g_inf.sum())),
        nan_mismatches=int(nan_bad.sum()),
        inf_mismatches=int(inf_bad.sum()),
    )
    if want.size == 0:
        return OutputReport(**base, **counts)
    worst = _worst(abs_err, nan_bad | inf_bad)
    rel_at = _index(rel_err, int(np.argmax(rel_err))) if rel_err.max() > 0 else None
    return OutputReport(
        **base,
        **counts,
        size=want.size,
        mismatches=int((out_of_tol | nan_bad | inf_bad).sum()),
        max_abs_error=float(abs_err.max()),
        max_abs_at=worst,
        max_rel_error=float(rel_err.max()),
        max_rel_at=rel_at,
        want_at_worst=want[worst].item() if worst is not None else None,
        got_at_worst=got[worst].item() if worst is not None else None,
    )


def _exact(base: dict, want: np.ndarray, got: np.ndarray) -> OutputReport:
    differ = want != got
    if want.size == 0:
        return OutputReport(**base)
    with np.errstate(all="ignore"):
        abs_err = np.abs(want.astype(np.float64) - got.astype(np.float64))
    worst = _worst(abs_err, differ) if differ.any() else None
    return OutputReport(
        **base,
        size=want.size,
        mismatches=int(differ.sum()),
        max_abs_error=float(abs_err.max()),
        max_abs_at=worst,
        want_at_worst=want[worst].item() if worst is not None else None,
        got_at_worst=got[worst].item() if worst is not None else None,
    )


def _worst(abs_err: np.ndarray, special: np.ndarray) -> tuple[int, ...] | None:
    """Where to show the values: the first NaN/inf difference if any, else the largest error."""
    if special.any():
        return _index(special, int(np.argmax(special)))
    return _index(abs_err, int(np.argmax(abs_err))) if abs_err.max() > 0 else None


def _index(array: np.ndarray, flat: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, array.shape))


@attrs.frozen
class ComparisonReport:
    """The outcome of :func:`compare`: one :class:`OutputReport` per input set, backend and output."""

    network: str
    backends: tuple[str, ...]
    outputs: tuple[tuple[int, OutputReport], ...]  # (input set index, report)
    inputs: tuple[Mapping[str, np.ndarray], ...] = attrs.field(repr=False)

    @property
    def ok(self) -> bool:
        return all(r.ok for _, r in self.outputs)

    @property
    def failures(self) -> list[OutputReport]:
        return [r for _, r in self.outputs if not r.ok]

    def __str__(self) -> str:
        bad = self.failures
        head = (
            f"network {self.network!r}: {' vs '.join(self.backends[1:])} against {self.backends[0]} on "
            f"{len(self.inputs)} input set{'s' if len(self.inputs) != 1 else ''}: "
        )
        head += "all outputs match" if not bad else f"{len(bad)} of {len(self.outputs)} comparisons differ"
        lines = [head]
        for index, report in self.outputs:
            if not report.ok or len(self.outputs) <= 8:
                prefix = f"  [set {index}] " if len(self.inputs) > 1 else "  "
                lines.append(prefix + str(report).replace("\n", "\n" + " " * len(prefix)))
        failing_sets = sorted({i for i, r in self.outputs if not r.ok})
        if failing_sets:
            feeds = self.inputs[failing_sets[0]]
            lines.append(
                "  inputs of the first failing set: "
                + ", ".join(f"{k}={_describe(v)}" for k, v in feeds.items())
            )
        return "\n".join(lines)


def _describe(array: np.ndarray) -> str:
    array = np.asarray(array)
    if array.size <= 8:
        return np.array2string(array, separator=", ").replace("\n", "")
    return f"<{array.dtype}{list(array.shape)}>"


def as_result(backend: str, name: str, value: Any) -> np.ndarray:
    """A backend's value for output ``name`` as an array; what NumPy cannot make one of (a ragged list) is
    an ArgumentError naming the backend."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError, DSLError):  # DSLError: a Tensor
        raise ArgumentError(f"compare: backend {backend!r} gave {shown(value)} for output {name!r}; "
                            "expected an array") from None


def results_of(backend: str, run: Runner, network: Network, feeds: Mapping[str, Any]) -> dict[str, Any]:
    """``run(network, feeds)``, which must be a dict of output name -> array (checked value by value when
    compared); anything else is an ArgumentError naming the backend."""
    results = run(network, feeds)
    if not isinstance(results, Mapping):
        raise ArgumentError(f"compare: backend {backend!r} returned {shown(results)}; expected a dict of "
                            "output name -> array")
    return dict(results)


def backend_runner(backend: Backend) -> tuple[str, Runner]:
    """A backend's display name and its run function.

    >>> def formula(network, feeds):
    ...     return {}
    >>> backend_runner("reference")[0], backend_runner(formula)[0]
    ('reference', 'formula')
    """
    if isinstance(backend, str):
        from trtdsl.backends import get_backend

        module = get_backend(backend)
        return backend, lambda network, feeds: module.run(network, feeds)
    if callable(backend):
        return getattr(backend, "__name__", type(backend).__name__), backend
    raise ArgumentError(
        f"compare: argument 'backends' contains {backend!r}; expected backend names or functions "
        "run(network, inputs) -> {output name: array}"
    )


def compare(
    network: Network,
    inputs: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
    *,
    backends: Sequence[Backend] = ("reference", "onnxruntime"),
    rtol: Any = None,
    atol: Any = None,
) -> ComparisonReport:
    """Run ``network`` on each backend and compare every output with the first backend's.

    ``inputs`` is one dict of input arrays, several, or None (one set from :func:`random_inputs`).
    ``rtol``/``atol`` are numbers or dicts keyed by dtype; unset ones come from
    :data:`DEFAULT_TOLERANCES`."""
    from trtdsl.testing.specs import random_inputs

    expect_network("compare", network)
    runners = backend_runners("compare", backends, lambda n: n >= 2, "at least two backends")
    if inputs is None:
        sets: list[Mapping[str, Any]] = [random_inputs(network)]
    elif isinstance(inputs, Mapping):
        sets = [inputs]
    elif isinstance(inputs, (list, tuple)) and all(isinstance(s, Mapping) for s in inputs):
        sets = list(inputs)
    else:
        raise bad_argument("compare", "inputs", inputs,
                           "a dict of input name -> array, a list of such dicts, or None")
    names = _unique_names([n for n, _ in runners])
    results = []
    for index, feeds in enumerate(sets):
        outs = [results_of(name, run, network, feeds) for name, run in runners]
        results += [(index, r) for r in compare_outputs(network, outs[0], outs[1:], names, rtol, atol)]
    return ComparisonReport(network.name, tuple(names), tuple(results), tuple(sets))


def backend_runners(fn: str, backends: Any, count_ok: Callable[[int], bool],
                    expected: str) -> list[tuple[str, Runner]]:
    """The display names and run functions of ``backends``, a sequence of backend names and functions."""
    if isinstance(backends, (str, bytes)) or not isinstance(backends, Sequence) \
            or not count_ok(len(backends)):
        raise bad_argument(fn, "backends", backends, expected)
    return [backend_runner(b) for b in backends]


def compare_outputs(
    network: Network,
    want: Mapping[str, np.ndarray],
    others: Sequence[Mapping[str, np.ndarray]],
    names: Sequence[str],
    rtol: Any = None,
    atol: Any = None,
) -> list[OutputReport]:
    """Reports for each of ``network``'s outputs, for each backend in ``others`` against ``want`` (the
    baseline's results). An output missing from either side is a failed report, never a skipped one, and
    so is a result that names no output (a misspelled key of a formula's results).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("n")
    >>> net.output("y", net.input("x", td.float32, (2,)) * 2.0)
    >>> [str(r) for r in compare_outputs(net, {}, [{"y": np.zeros(2, np.float32)}], ["formula", "ref"])]
    ["y: ref vs formula: missing from formula's results"]
    """
    reports = []
    outputs = sorted(network.outputs)
    sides = [(want, names[0], names[-1]), *((other, name, name) for other, name in zip(others, names[1:]))]
    for results, who, backend in sides:
        for name in sorted(set(results) - set(network.outputs)):
            problem = f"{who}'s results name it, but it is no output of network {network.name!r} ({outputs})"
            reports.append(OutputReport(name, names[0], backend, tolerance_for(dtypes.float32, rtol, atol),
                                        problem=problem))
    for other, backend in zip(others, names[1:]):
        for name, tensor in network.outputs.items():
            tol = tolerance_for(tensor.dtype, rtol, atol)
            missing = [who for who, results in ((names[0], want), (backend, other)) if name not in results]
            if missing:
                problem = f"missing from {' and '.join(missing)}'s results"
                reports.append(OutputReport(name, names[0], backend, tol, problem=problem))
                continue
            reports.append(
                compare_arrays(name, want[name], other[name], tol, baseline=names[0], backend=backend)
            )
    return reports


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def assert_networks_close(
    network: Network,
    inputs: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
    *,
    backends: Sequence[Backend] = ("reference", "onnxruntime"),
    rtol: Any = None,
    atol: Any = None,
) -> ComparisonReport:
    """:func:`compare`, raising AssertionError with the report when any output differs (for pytest).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("demo")
    >>> x = net.input("x", td.int32, (3,))
    >>> net.output("y", x // 2)
    >>> wrong = lambda network, feeds: {"y": feeds["x"] // 2 + (feeds["x"] == 3)}
    >>> assert_networks_close(net, {"x": np.array([1, 3, -3], np.int32)}, backends=("reference", wrong))
    Traceback (most recent call last):
    ...
    AssertionError: network 'demo': <lambda> against reference on 1 input set: 1 of 1 comparisons differ
      y: <lambda> vs reference: 1 of 3 elements out of tolerance (exact)
        max abs error 1 at (1,): reference 1, <lambda> 2
      inputs of the first failing set: x=[ 1,  3, -3]
    """
    report = compare(network, inputs, backends=backends, rtol=rtol, atol=atol)
    if not report.ok:
        raise AssertionError(str(report))
    return report
