"""trtdsl.testing.compare: the per-output report against a plain-Python reading of the rule, the report
text, tolerances per dtype, backends given as names or functions, and the table of invalid calls."""

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import expect_error

import trtdsl as td
from trtdsl.errors import ArgumentError
from trtdsl.testing import Tolerance, assert_networks_close, compare, compare_arrays, tolerance_for

SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0])
FLOATS = st.one_of(st.floats(-1e3, 1e3, width=32), SPECIAL)


def expected_report(want, got, rtol, atol):
    """The comparison rule, element by element in plain Python: NaN must meet NaN, ±inf the same inf,
    other values ``|g - w| <= atol + rtol * |w|``; the largest absolute error over finite pairs."""
    mismatches, worst, worst_at = 0, 0.0, None
    nan_only_one = inf_differ = 0
    for index in np.ndindex(want.shape):
        w, g = float(want[index]), float(got[index])
        if math.isnan(w) or math.isnan(g):
            if math.isnan(w) != math.isnan(g):
                mismatches += 1
                nan_only_one += 1
            continue
        if math.isinf(w) or math.isinf(g):
            if w != g:
                mismatches += 1
                inf_differ += 1
            continue
        error = abs(g - w)
        if error > atol + rtol * abs(w):
            mismatches += 1
        if error > worst:
            worst, worst_at = error, index
    return mismatches, worst, worst_at, nan_only_one, inf_differ


@st.composite
def pairs(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    want = draw(hnp.arrays(np.float32, shape, elements=FLOATS))
    noise = draw(
        hnp.arrays(np.float32, shape, elements=st.one_of(st.floats(-0.0078125, 0.0078125, width=32), SPECIAL))
    )
    with np.errstate(all="ignore"):
        got = np.where(draw(hnp.arrays(np.bool_, shape)), want, want + noise).astype(np.float32)
    return want, got


@given(pair=pairs(), rtol=st.sampled_from([0.0, 1e-5, 1e-3]), atol=st.sampled_from([0.0, 1e-4, 1e-2]))
def test_report_follows_the_rule(pair, rtol, atol):
    want, got = pair
    report = compare_arrays("y", want, got, Tolerance(rtol, atol))
    mismatches, worst, worst_at, nan_only_one, inf_differ = expected_report(want, got, rtol, atol)
    assert report.mismatches == mismatches and report.ok == (mismatches == 0)
    assert report.nan_mismatches == nan_only_one and report.inf_mismatches == inf_differ
    assert report.max_abs_error == pytest.approx(worst, rel=1e-12)
    assert report.nan_counts == (int(np.isnan(want).sum()), int(np.isnan(got).sum()))
    if not nan_only_one and not inf_differ and worst_at is not None:
        assert report.max_abs_at == worst_at
        assert report.want_at_worst == want[worst_at].item() and report.got_at_worst == got[worst_at].item()


@given(a=hnp.arrays(np.int32, hnp.array_shapes(max_dims=2, max_side=5), elements=st.integers(-5, 5)))
def test_integers_compare_exactly(a):
    b = a.copy()
    if a.size:
        b.flat[-1] += 1
    report = compare_arrays("y", a, b, tolerance_for(td.int32))
    assert report.mismatches == (1 if a.size else 0)
    if a.size:
        assert report.max_abs_at == np.unravel_index(a.size - 1, a.shape) and report.max_abs_error == 1.0


def test_dtype_and_shape_differences_stop_the_comparison():
    f = np.zeros(3, np.float32)
    assert (
        compare_arrays("y", f, f.astype(np.float16), Tolerance(0, 0)).problem
        == "dtype float16 differs from float32"
    )
    assert (
        compare_arrays("y", f, np.zeros(4, np.float32), Tolerance(0, 0)).problem
        == "shape (4,) differs from (3,)"
    )


def test_tolerances_per_dtype():
    assert tolerance_for(td.float32) == Tolerance(1e-5, 1e-5)
    assert tolerance_for(td.bfloat16) == Tolerance(1.6e-2, 1.6e-2)
    assert tolerance_for(td.int64) == Tolerance(0.0, 0.0)
    assert tolerance_for(td.float16, rtol=0.1) == Tolerance(0.1, 2e-3)
    assert tolerance_for(td.float16, atol={td.float16: 0.5, "float32": 0.0}) == Tolerance(2e-3, 0.5)
    x = np.array([1.0, 2.0], ml_dtypes.bfloat16)
    y = np.array([1.0, 2.0078125], ml_dtypes.bfloat16)  # one bfloat16 step at 2
    assert compare_arrays("y", x, y, tolerance_for(td.bfloat16)).ok


def sigmoid_network():
    net = td.Network("s")
    net.output("y", td.sigmoid(net.input("x", td.float32, ("n",))))
    return net


def formula(network, feeds):
    return {"y": (1 / (1 + np.exp(-feeds["x"].astype(np.float64)))).astype(np.float32)}


def off_by_a_little(network, feeds):
    return {"y": formula(network, feeds)["y"] + np.float32(1e-3)}


def test_compare_runs_every_backend_on_every_input_set():
    sets = [{"x": np.array([-1.0, 0.0, 2.0], np.float32)}, {"x": np.zeros(0, np.float32)}]
    report = compare(sigmoid_network(), sets, backends=("reference", formula, "onnxruntime"))
    assert report.ok and report.backends == ("reference", "formula", "onnxruntime")
    assert len(report.outputs) == 4 and {i for i, _ in report.outputs} == {0, 1}


def test_compare_without_inputs_draws_one_set():
    report = compare(sigmoid_network(), backends=("reference", formula))
    assert report.ok and report.inputs[0]["x"].shape == (2,)  # the default range's opt size


def test_a_failing_report_says_what_where_and_on_which_inputs():
    net = sigmoid_network()
    with pytest.raises(AssertionError) as info:
        assert_networks_close(
            net, {"x": np.array([0.0, 1.0], np.float32)}, backends=("reference", off_by_a_little)
        )
    text = str(info.value)
    assert text.splitlines()[0] == (
        "network 's': off_by_a_little against reference on 1 input set: 1 of 1 comparisons differ"
    )
    assert (
        "y: off_by_a_little vs reference: 2 of 2 elements out of tolerance (rtol=1e-05, atol=1e-05)" in text
    )
    assert "max abs error 0.000999987 at (0,): reference 0.5, off_by_a_little 0.5009999871253967" in text
    assert "max rel error 0.00199997 at (0,)" in text
    assert "inputs of the first failing set: x=[0., 1.]" in text
    assert_networks_close(
        net, {"x": np.array([0.0, 1.0], np.float32)}, backends=("reference", off_by_a_little), atol=2e-3
    )


def test_an_output_missing_from_any_backend_fails_the_comparison():
    def nothing(network, feeds):
        return {}

    feeds = {"x": np.array([0.0, 1.0], np.float32)}
    as_baseline = compare(sigmoid_network(), feeds, backends=(nothing, "reference"))
    assert not as_baseline.ok
    assert [str(r) for r in as_baseline.failures] == [
        "y: reference vs nothing: missing from nothing's results"
    ]
    as_other = compare(sigmoid_network(), feeds, backends=("reference", nothing))
    assert [str(r) for r in as_other.failures] == ["y: nothing vs reference: missing from nothing's results"]


def test_a_result_that_names_no_output_fails_the_comparison():
    """A formula's misspelled key: reported as a result of no output, beside the output it misses."""
    def misspelled(network, feeds):
        return {"Y": 1 / (1 + np.exp(-feeds["x"]))}

    feeds = {"x": np.array([0.0, 1.0], np.float32)}
    report = compare(sigmoid_network(), feeds, backends=(misspelled, "reference"))
    assert [str(r) for r in report.failures] == [
        "Y: reference vs misspelled: misspelled's results name it, but it is no output of network 's' "
        "(['y'])",
        "y: reference vs misspelled: missing from misspelled's results",
    ]


def test_nan_and_inf_differences_are_reported():
    report = compare_arrays(
        "y",
        np.array([np.nan, np.inf, 1.0], np.float32),
        np.array([0.0, -np.inf, 1.0], np.float32),
        Tolerance(0, 0),
        baseline="a",
        backend="b",
    )
    assert (report.nan_mismatches, report.inf_mismatches, report.mismatches) == (1, 1, 2)
    assert "NaN: 1 in a, 0 in b; 1 places where only one is NaN" in str(report)
    assert "inf: 1 in a, 1 in b; 1 places where they differ" in str(report)


ERRORS = [
    (
        ArgumentError,
        "compare: argument 'backends' is ('reference',); expected at least two backends",
        lambda: compare(sigmoid_network(), backends=("reference",)),
    ),
    (
        ArgumentError,
        "compare: argument 'backends' contains 3; expected backend names or functions run(network, "
        "inputs) -> {output name: array}",
        lambda: compare(sigmoid_network(), backends=("reference", 3)),
    ),
    (
        ArgumentError,
        "compare: argument 'rtol' is -1; expected a finite number >= 0 or a dict of dtype -> number",
        lambda: compare(sigmoid_network(), backends=("reference", formula), rtol=-1),
    ),
    (
        ArgumentError,
        "compare: argument 'atol' is 'big'; expected a finite number >= 0 or a dict of dtype -> number",
        lambda: compare(sigmoid_network(), backends=("reference", formula), atol={"float32": "big"}),
    ),
]


@pytest.mark.parametrize("cls, message, call", ERRORS, ids=[e[1][:50] for e in ERRORS])
def test_invalid_calls(cls, message, call):
    expect_error(cls, message, call)
