"""Einsum against the Einstein summation written as Python loops over every assignment of the letters:
random equations of one to three operands, explicit and implicit, with and without an ellipsis."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, error_line, expect_error, f32, run_layer, run_with

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.einsum import Einsum
from backend_rows import Row, FLOATS, each, variant_rows, tensorrt_case, randn, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def summation(terms, output, arrays_, sizes):
    """``out[output letters] = sum over the other letters of prod(operand[its letters])``, each output
    element summed with math.fsum over every assignment of the summed letters."""
    summed = sorted(set("".join(terms)) - set(output))
    out = np.zeros(tuple(sizes[c] for c in output), np.float64)
    for kept in itertools.product(*(range(sizes[c]) for c in output)):
        values = []
        for rest in itertools.product(*(range(sizes[c]) for c in summed)):
            at = dict(zip(output, kept)) | dict(zip(summed, rest))
            values.append(math.prod(float(a[tuple(at[c] for c in t)]) for t, a in zip(terms, arrays_)))
        out[kept] = math.fsum(values)
    return out


def implicit_output(terms):
    letters = "".join(terms)
    return "".join(sorted(c for c in set(letters) if letters.count(c) == 1))


@st.composite
def equations(draw):
    """(terms, output or None for implicit mode, letter sizes) for 1 to 3 operands over letters a-e."""
    letters = "abcde"
    sizes = {c: draw(st.integers(0 if c == "e" else 1, 3)) for c in letters}
    count = draw(st.integers(1, 3))
    terms = [
        "".join(draw(st.permutations(letters))[: draw(st.integers(0, 3))]) for _ in range(count)
    ]
    if draw(st.booleans()):
        return terms, None, sizes
    used = sorted(set("".join(terms)))
    output = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
    return terms, output, sizes


def operands(draw, dtype, terms, sizes):
    return [draw(arrays(dtype, tuple(sizes[c] for c in t), min_value=-3, max_value=3)) for t in terms]


def check(got, want, scale, dtype):
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape, (got.dtype, got.shape, want.shape)
    tol = TOLERANCES[np.dtype(dtype)]
    atol = 1e-5 + 2 * tol * np.max(scale, initial=0)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0, atol=atol)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_einsum_matches_the_summation(dtype, data):
    terms, output, sizes = data.draw(equations())
    xs = operands(data.draw, dtype, terms, sizes)
    equation = ",".join(terms) + ("" if output is None else "->" + output)
    got = run_layer(lambda *ts: td.einsum(equation, *ts), *xs)
    out = implicit_output(terms) if output is None else output
    want = summation(terms, out, xs, sizes)
    check(got, want, summation(terms, out, [np.abs(x) for x in xs], sizes), dtype)


@given(data=st.data())
def test_an_ellipsis_stands_for_the_leading_dims(data):
    """``...`` for 0 to 2 dims per operand, right-aligned (NumPy's rule); in implicit mode they lead."""
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2))
    names = "xy"[2 - len(batch):]  # the batch dims' letters in the loops
    cuts = [data.draw(st.integers(0, len(batch))) for _ in range(2)]
    terms = [names[cuts[0]:] + "ij", names[cuts[1]:] + "jk"]
    sizes = dict(zip(names, batch)) | {"i": 2, "j": 3, "k": 4}
    xs = [data.draw(arrays(np.float32, tuple(sizes[c] for c in t), min_value=-3, max_value=3)) for t in terms]
    equation = "...ij,...jk" + data.draw(st.sampled_from(["", "->...ik"]))
    got = run_layer(lambda a, b: td.einsum(equation, a, b), *xs)
    output = names[min(cuts):] + "ik"
    check(got, summation(terms, output, xs, sizes), summation(terms, output, [np.abs(x) for x in xs], sizes),
          np.float32)


def test_one_or_two_operands_are_one_layer_with_the_equation_as_written_less_its_spaces():
    net = td.Network("e")
    a = net.input("a", td.float32, ("n", 3))
    b = net.input("b", td.float32, (3, 4))
    y = td.einsum("ij, jk", a, b)
    assert [node.op for node in net.nodes] == [Einsum("ij,jk")] and y.shape == (a.shape[0], 4)
    assert "Einsum(%a, %b, equation='ij,jk')" in net.format(locations=False)


def test_an_ellipsis_is_written_as_fresh_letters():
    net = td.Network("e")
    a = net.input("a", td.float32, (5, 2, 3))
    td.einsum("...ij,jk", a, np.ones((3, 4), np.float32))
    assert net.nodes[-1].op == Einsum("aij,jk->aik")


def test_more_operands_are_contracted_left_to_right_keeping_what_is_still_needed():
    net = td.Network("e")
    a, b, c, d = (net.input(n, td.float32, s) for n, s in zip("abcd", [(2, 3), (3, 4), (4, 2), (2,)]))
    y = td.einsum("ij,jk,kl,l->i", a, b, c, d, name="chain")
    assert [node.op.equation for node in net.nodes] == ["ij,jk->ik", "ik,kl->il", "il,l->i"]
    assert net.nodes[-1].name == "chain" and y.shape == (2,)


def test_dims_of_one_letter_must_agree_when_the_network_runs():
    run = run_with(lambda a, b: td.einsum("ij,ij->ij", a, b), {"t0": np.ones((1, 3), np.float32),
                                                              "t1": np.ones((2, 3), np.float32)},
                   (td.float32, ("n", 3)), f32(2, 3))
    expect_error(ExecutionError, "Einsum (layer einsum_0) failed on the NumPy reference on inputs of shapes "
                                 "(1, 3) and (2, 3) (typed f32[n,3] and f32[2,3]): ValueError: letter "
                                 "'i' is 1 in one operand and 2 in another", run, line=error_line(run))


DIAGONAL = ("expected each letter at most once per operand (operand 0's 'ii' repeats 'i': a diagonal, which "
            "TensorRT's Python API documents as unsupported; for 'ii->i' write td.einsum('ij,ij->i', x, "
            "np.eye(n, dtype=np.float32)))")
ERRORS = [
    (ArgumentError, "einsum: argument 'equation' is 3; expected a string such as 'ij,jk->ik'",
     call(lambda x: td.einsum(3, x), f32(2))),
    (ArgumentError, "einsum: argument 'equation' is 'Ij->j'; expected lowercase letters, ',', '->', '...' "
                    "and spaces ('I' is none of them)",
     call(lambda x: td.einsum("Ij->j", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is 'i->j->i'; expected '->' at most once, between the "
                    "operands' terms and the output's",
     call(lambda x: td.einsum("i->j->i", x), f32(2))),
    (ArgumentError, "einsum: argument 'equation' is 'ij,jk->ik'; expected 1 comma-separated term, one per "
                    "operand (it has 2)",
     call(lambda x: td.einsum("ij,jk->ik", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is '.ij->ij'; expected an ellipsis as '...', at most once "
                    "per term",
     call(lambda x: td.einsum(".ij->ij", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is 'ii->i'; " + DIAGONAL,
     call(lambda x: td.einsum("ii->i", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is 'ij->k'; expected output letters that occur in an "
                    "operand ('k' does not)",
     call(lambda x: td.einsum("ij->k", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is 'ij->ii'; expected each output letter once ('i' repeats)",
     call(lambda x: td.einsum("ij->ii", x), f32(2, 2))),
    (ArgumentError, "einsum: argument 'equation' is '...j->j'; expected '...' in the output too (NumPy keeps "
                    "the 1 dim it stands for in the operands)",
     call(lambda x: td.einsum("...j->j", x), f32(2, 2))),
    (ShapeError, "einsum: operands[0] has shape (2, 2), but its term 'ijk' names 3 dims",
     call(lambda x: td.einsum("ijk->i", x), f32(2, 2))),
    (ShapeError, "einsum: letter 'j' is 3 in operands[0] (shape (2, 3)) and 4 in operands[1] (shape (4, 5)); "
                 "the dims differ; TensorRT's Einsum needs equal dims for one letter (it does not broadcast: "
                 "use td.broadcast_to)",
     call(lambda a, b: td.einsum("ij,jk", a, b), f32(2, 3), f32(4, 5))),
    (ShapeError, "einsum: letter 'i' is n in operands[0] (shape (n, 3)) and m in operands[1] (shape (m, 3)); "
                 "the dims may differ; give operands that must agree the same dim name",
     call(lambda a, b: td.einsum("ij,ij->ij", a, b), (td.float32, ("n", 3)), (td.float32, ("m", 3)))),
    (DTypeError, "einsum: input 'operands[0]' has dtype int32; expected one of float32, float16, bfloat16 "
                 "(TensorRT's Einsum takes float types only; cast integers with td.cast)",
     call(lambda x: td.einsum("i->", x), (td.int32, (3,)))),
    (DTypeError, "einsum: operands[1] has dtype float16 but operands[0] has float32; TensorRT networks are "
                 "strongly typed, so all operands must have the same dtype (cast with td.cast)",
     call(lambda a, b: td.einsum("i,i->", a, b), f32(3), (td.float16, (3,)))),
    (ArgumentError, "einsum: got no operands; expected one or more tensors after the equation",
     lambda: td.einsum("ij->ji")),
    (ArgumentError, "einsum: no operand is a trtdsl Tensor; expected at least one (NumPy arrays become "
                    "constants of its dtype)",
     lambda: td.einsum("i->", np.ones(3, np.float32))),
    (ArgumentError, "Einsum: got 3 inputs; expected 1 or 2 (td.einsum contracts more operands pairwise)",
     call(lambda x: x.network.add1(Einsum("i,i,i->"), (x, x, x)), f32(3))),
    (ArgumentError, "Einsum: argument 'equation' is '...i->i'; expected no ellipsis: the Einsum layer takes "
                    "letters only (td.einsum writes '...' as letters)",
     call(lambda x: x.network.add1(Einsum("...i->i"), (x,)), f32(3))),
    (ArgumentError, "Einsum: argument 'equation' is 'ii'; " + DIAGONAL,
     call(lambda x: x.network.add1(Einsum("ii"), (x,)), f32(3, 3))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Einsum, OneHot, Scatter ----------------------------------------------------------------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        variants = {
            "bmm": lambda a, b: td.einsum("nij,njk->nik", a, b),
            "implicit_spaces": lambda a, b: td.einsum("nij, njk", a, b),
            "transpose_sum": lambda a, b: td.einsum("nij->jn", a),
            "ellipsis": lambda a, b: td.einsum("...ij,...jk->...ik", a, b),
            "chain": lambda a, b: td.einsum("nij,njk,nli->lk", a, b, td.transpose(a, (0, 2, 1))),
            "dot": lambda a, b: td.einsum("nij,nij->", a, a),
        }
        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        inputs = {"a": (dtype, ("n", 2, 3)), "b": (dtype, ("n", 3, 4))}
        rows += variant_rows(f"einsum-{dtype.name}", dtype, inputs, variants, values={"a": (-4, 4), "b": (-4, 4)},
                          special=False, rtol=tol, atol=tol)
    rows.append(Row("einsum-nan-inf-float32", each({"a": (td.float32, ("n", 3)), "b": (td.float32, (3, 2))},
                                                    {"mm": lambda a, b: td.einsum("ij,jk->ik", a, b)})))
    return rows


@tensorrt_case
def einsums() -> td.Network:
    net = td.Network("einsums")
    a = net.input("a", td.float32, ("n", 3, 4))
    b = net.input("b", td.float32, ("n", 4, 2))
    net.output("bmm", td.einsum("bij,bjk->bik", a, b))
    net.output("implicit", td.einsum("nij, njk", a, b))
    net.output("transpose_sum", td.einsum("nij->jn", a))
    net.output("ellipsis", td.einsum("...ij,jk->...ik", a, randn(4, 5)))
    net.output("chain", td.einsum("nij,njk,kl->nil", a, b, randn(2, 3, seed=1)))
    h = net.input("h", td.float16, (5,))
    net.output("dot_f16", td.einsum("i,i->", h, h))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("einsum", "NvInfer.h addEinsum(inputs, nbInputs, equation), IEinsumLayer::getEquation: the operands "
     "in the equation's order",
     {"Einsum": Layer("add_einsum", {"equation": "bji,bkj->bki"}, ("q", "k"))})
def _(net):
    q, k = net.input("q", td.float32, ("b", 3, 2)), net.input("k", td.float32, ("b", 4, 3))
    net.output("y", td.einsum("bji,bkj->bki", q, k))


def test_a_summed_letter_of_size_0_gives_0_beside_nan():
    # sum over j of a[i, j] * (sum over k of b[j, k]): k has no values, so each term is 0, NaN or not
    a, b = np.array([[1, np.nan]], np.float32), np.zeros((2, 0), np.float32)
    got = run_layer(lambda x, y: td.einsum("ij,jk->i", x, y), a, b)
    np.testing.assert_array_equal(got, np.zeros(1, np.float32))


def test_the_layer_and_tensorrt_get_the_equation_without_spaces():
    """NvInfer.h's equation grammar has no spaces (TensorRT's ONNX parser removes them before the layer)."""
    from trtdsl.backends.tensorrt import standin
    from trtdsl.backends.tensorrt.lower import lower

    net = td.Network("e")
    a, b = net.input("a", td.float32, (2, 3)), net.input("b", td.float32, (3, 4))
    net.output("y", td.einsum(" ij , jk -> ik ", a, b))
    assert [n.op.equation for n in net.nodes if n.op.kind == "Einsum"] == ["ij,jk->ik"]
    assert Einsum("i j->j i").equation == "ij->ji"
    trt = standin.module("11.4")
    network = lower(net, trt).network
    (layer,) = [network.get_layer(i) for i in range(network.num_layers)
                if network.get_layer(i).type == trt.LayerType.EINSUM]
    layer.__class__ = trt.IEinsumLayer  # as the bindings' users downcast a layer
    assert layer.equation == "ij,jk->ik"
