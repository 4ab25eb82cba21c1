"""MatrixMultiply: every MatrixOperation pair with batch broadcasting, and td.matmul's NumPy meaning,
against einsum formulas in float64 written here."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, f32, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers import matmul as matmul_module
from trtdsl.layers._blas import _batched, gemm_available
from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation
from backend_rows import Row, FLOATS, two_inputs, tensorrt_case, randn, tensorrt_expectation, Layer, Const

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
OPS = list(MatrixOperation)


def einsum_product(a, b, op0, op1):
    """op0(a) · op1(b) by einsum in float64: a VECTOR operand is '...k' and leaves no dim in the result."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    if op0 == "TRANSPOSE":
        a = np.swapaxes(a, -1, -2)
    if op1 == "TRANSPOSE":
        b = np.swapaxes(b, -1, -2)
    lhs = "...k" if op0 == "VECTOR" else "...mk"
    rhs = "...k" if op1 == "VECTOR" else "...kn"
    out = "..." + ("" if op0 == "VECTOR" else "m") + ("" if op1 == "VECTOR" else "n")
    return np.einsum(f"{lhs},{rhs}->{out}", a, b), np.einsum(f"{lhs},{rhs}->{out}", np.abs(a), np.abs(b))


def check(got, want, scale, dtype):
    """Close to the float64 result, within the dtype's tolerance of the sum of |products|."""
    tol = TOLERANCES[np.dtype(dtype)]
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0,
                               atol=1e-6 + 2 * tol * np.max(scale, initial=0))


def operand_shape(batch, op, rows, cols, k):
    """The stored shape whose op(...) is the matrix [rows, cols], or for a VECTOR the vector [k]."""
    if op is MatrixOperation.VECTOR:
        return batch + (k,)
    return batch + ((cols, rows) if op is MatrixOperation.TRANSPOSE else (rows, cols))


@st.composite
def batch_pair(draw, min_dims=0, max_dims=3):
    """Two batch shapes of equal rank that broadcast: each dim is the common size or 1 on either side."""
    n = draw(st.integers(min_dims, max_dims))
    sizes = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    ones = draw(st.lists(st.sampled_from([(False, False), (True, False), (False, True)]), min_size=n,
                         max_size=n))
    return (tuple(1 if o[0] else s for s, o in zip(sizes, ones)),
            tuple(1 if o[1] else s for s, o in zip(sizes, ones)))


@pytest.mark.parametrize("op1", OPS, ids=lambda o: o.name)
@pytest.mark.parametrize("op0", OPS, ids=lambda o: o.name)
@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_every_operation_pair_matches_einsum(op0, op1, dtype, data):
    batch_a, batch_b = data.draw(batch_pair())
    m, k, n = (data.draw(st.integers(0, 4)) for _ in range(3))
    a = data.draw(arrays(dtype, operand_shape(batch_a, op0, m, k, k), min_value=-4, max_value=4))
    b = data.draw(arrays(dtype, operand_shape(batch_b, op1, k, n, k), min_value=-4, max_value=4))
    got = run_layer(lambda x, y: x.network.add1(MatrixMultiply(op0, op1), (x, y)), a, b)
    want, scale = einsum_product(a, b, op0.name, op1.name)
    check(got, want, scale, dtype)


@st.composite
def numpy_operands(draw, dtype):
    """Operands of any ranks >= 1 that np.matmul accepts, with flags for transposing matrices."""
    rank_a, rank_b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    extra = max(rank_a - 2, rank_b - 2, 0)
    batch_a, batch_b = draw(batch_pair(min_dims=extra, max_dims=extra))
    # NumPy aligns batch dims from the right: the lower-rank side keeps the trailing ones.
    batch_a = batch_a[extra - max(rank_a - 2, 0):]
    batch_b = batch_b[extra - max(rank_b - 2, 0):]
    m, k, n = (draw(st.integers(0, 4)) for _ in range(3))
    ta = rank_a >= 2 and draw(st.booleans())
    tb = rank_b >= 2 and draw(st.booleans())
    shape_a = (k,) if rank_a == 1 else batch_a + ((k, m) if ta else (m, k))
    shape_b = (k,) if rank_b == 1 else batch_b + ((n, k) if tb else (k, n))
    a = draw(arrays(dtype, shape_a, min_value=-4, max_value=4))
    b = draw(arrays(dtype, shape_b, min_value=-4, max_value=4))
    return a, b, ta, tb


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_matmul_follows_numpy_rank_rules(dtype, data):
    a, b, ta, tb = data.draw(numpy_operands(dtype))
    got = run_layer(lambda x, y: td.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)
    a64 = np.swapaxes(a, -1, -2) if ta else a
    b64 = np.swapaxes(b, -1, -2) if tb else b
    lhs = "k" if a.ndim == 1 else "...mk"
    rhs = "k" if b.ndim == 1 else "...kn"
    out = ("..." if a.ndim + b.ndim > 2 else "") + ("" if a.ndim == 1 else "m") + ("" if b.ndim == 1 else "n")
    want = np.einsum(f"{lhs},{rhs}->{out}", a64.astype(np.float64), b64.astype(np.float64))
    scale = np.einsum(f"{lhs},{rhs}->{out}", np.abs(a64.astype(np.float64)), np.abs(b64.astype(np.float64)))
    check(got, want, scale, dtype)


def dense_network(rng):
    """Products followed by biases in the forms a network writes them, each case's result an output of its
    own: per case, (result, its NumPy formula in float64 of x, whether the product takes the bias in
    (MatrixMultiply.with_bias)); and the inputs' values."""
    x = rng.standard_normal((2, 3, 8)).astype(np.float32)
    w = rng.standard_normal((8, 5)).astype(np.float32)
    torch_w = np.ascontiguousarray(w.T)
    b = rng.standard_normal(5).astype(np.float32)
    full = rng.standard_normal((3, 5)).astype(np.float32)
    product = lambda v: v @ w.astype(np.float64)
    net = td.Network("dense")
    t = net.input("x", td.float32, x.shape)
    other = net.input("other", td.float32, (1, 1, 5))
    shared = td.matmul(t, w, name="read_twice")
    returned = td.matmul(t, w)  # unnamed: its output takes the output's name, no Identity between
    linear = td.linear(t, torch_w, b)  # named by its product: the case names the product taking the bias
    cases = {
        linear.producer.input(0).producer.name: (linear, lambda v: product(v) + b, True),
        "relu_after": (td.relu(td.matmul(t, w, name="relu_after") + b),
                       lambda v: np.maximum(product(v) + b, 0), True),
        "bias_first": (td.add(b, td.matmul(t, w, name="bias_first")), lambda v: b + product(v), True),
        "full_matrix": (td.matmul(t, w, name="full_matrix") + full, lambda v: product(v) + full, False),
        "not_constant": (td.matmul(t, w, name="not_constant") + other, lambda v: product(v) + 0.5, False),
        "read_twice": (td.concatenate([shared + b, shared], axis=2),
                       lambda v: np.concatenate([product(v) + b, product(v)], axis=2), False),
        "returned": (returned + b, lambda v: product(v) + b, False),
        "returned_product": (returned, product, None),  # the network's output: the sum cannot take it
    }
    for name, (result, _, _) in cases.items():
        net.output(f"y_{name}", result)
    return net, {"x": x, "other": np.full((1, 1, 5), 0.5, np.float32)}, cases


def dense_forms(net):
    from trtdsl.reference.interpreter import constant_forms, plan

    the_plan = plan(net)
    constants = {n.outputs[0]: n.op.weights.array for n in net.nodes if n.op.kind == "Constant"}
    layers = [n for n in the_plan.nodes if n.op.kind != "Constant"]
    return constant_forms(layers, constants, the_plan.expected({}), list(net.outputs.values()))


def check_dense(net, feeds, cases):
    got = net.run(feeds)
    x = feeds["x"].astype(np.float64)
    for name, (_, formula, _) in cases.items():
        np.testing.assert_allclose(got[f"y_{name}"], formula(x), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(not gemm_available(), reason="NumPy's BLAS here is not an OpenBLAS with a 64-bit CBLAS "
                    "interface: products and biases stay two steps (the next test covers that)")
def test_a_dense_layers_product_takes_its_constant_bias_in():
    net, feeds, cases = dense_network(np.random.default_rng(0))
    taking = {node.name for node in dense_forms(net) if node.op.kind == "MatrixMultiply"}
    assert taking == {name for name, case in cases.items() if case[-1]}
    check_dense(net, feeds, cases)


def test_without_blas_adding_products_the_bias_is_added_after(monkeypatch):
    monkeypatch.setattr(matmul_module, "gemm_available", lambda: False)
    net, feeds, cases = dense_network(np.random.default_rng(1))
    assert not dense_forms(net)
    check_dense(net, feeds, cases)


def test_a_product_blas_refuses_adds_the_bias_after(monkeypatch):
    monkeypatch.setattr(matmul_module, "gemm", lambda a, b, c, add: False)
    net, feeds, cases = dense_network(np.random.default_rng(2))
    check_dense(net, feeds, cases)

@pytest.mark.skipif(not gemm_available(), reason="NumPy's BLAS here is not an OpenBLAS with a 64-bit CBLAS "
                    "interface: no product takes its bias in")
def test_a_one_row_dense_layer_leaves_its_product_to_numpy(monkeypatch):
    # one row is a vector-matrix product, which NumPy gives to gemv; gemm would pack the whole matrix
    real, rows = matmul_module.gemm, []

    def recorded(a, b, c, add):
        rows.append(a.shape[0])
        return real(a, b, c, add)

    monkeypatch.setattr(matmul_module, "gemm", recorded)
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((10, 64)).astype(np.float32), rng.standard_normal(10).astype(np.float32)
    feeds = {"one": rng.standard_normal((1, 64)).astype(np.float32),
             "four": rng.standard_normal((4, 64)).astype(np.float32)}
    net = td.Network("classifiers")
    for name, value in feeds.items():
        net.output(name + "_y", td.linear(net.input(name, td.float32, value.shape), w, b))
    got = net.run(feeds)
    for name, value in feeds.items():
        np.testing.assert_allclose(got[name + "_y"], value.astype(np.float64) @ w.T.astype(np.float64) + b,
                                   rtol=1e-5, atol=1e-5)
    assert rows == [4]


def test_attention_products_per_head_go_to_blas_as_one_batch(monkeypatch):
    real, batches = matmul_module.gemm_batched, []

    def recorded(a, b):
        out = real(a, b)
        batches.append(None if out is None else a.shape)
        return out

    monkeypatch.setattr(matmul_module, "gemm_batched", recorded)
    rng = np.random.default_rng(4)
    q, k = (rng.standard_normal((2, 128, 3, 64)).astype(np.float32) for _ in range(2))
    net = td.Network("attention")
    heads = [td.transpose(net.input(name, td.float32, q.shape), (0, 2, 1, 3)) for name in ("q", "k")]
    scores = td.matmul(heads[0], heads[1], transpose_b=True)  # (2, 3, 128, 128): a stack per head
    net.output("scores", scores)
    got = net.run({"q": q, "k": k})["scores"]
    want = np.einsum("bihd,bjhd->bhij", q.astype(np.float64), k.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    assert batches == ([(2, 3, 128, 64)] if _batched() is not None else [None])


def test_vector_vector_is_a_scalar():
    got = run_layer(lambda x, y: x @ y, np.array([1, 2, 3], np.float32), np.array([4, 5, 6], np.float32))
    assert got.shape == () and got.dtype == np.float32 and float(got) == 32.0


def test_operators_and_constants():
    w = np.arange(12, dtype=np.float64).reshape(4, 3)
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    got = run_layer(lambda t: (t @ w, w.T @ t.T, t @ [1.0, 0.0, 0.0, 2.0]), x)
    np.testing.assert_array_equal(got[0], x.astype(np.float64) @ w)
    np.testing.assert_array_equal(got[1], w.T @ x.T.astype(np.float64))
    np.testing.assert_array_equal(got[2], [6.0, 18.0])
    assert all(g.dtype == np.float32 for g in got)


def test_ir_shows_the_ops_and_the_inserted_unsqueeze():
    net = td.Network("m")
    x = net.input("x", td.float32, ("batch", 2, 3))
    v = net.input("v", td.float32, (3,))
    y = x @ v
    assert y.shape == (x.shape[0], 2)
    assert [(n.op.kind, n.op.label()) for n in net.nodes] == [
        ("Unsqueeze", "Unsqueeze"), ("MatrixMultiply", "MatrixMultiply[NONE,VECTOR]")]
    z = td.matmul(x, np.ones((1, 2, 4)), transpose_a=True)
    assert z.shape == (x.shape[0], 3, 4)
    assert net.nodes[-1].op == MatrixMultiply(MatrixOperation.TRANSPOSE, MatrixOperation.NONE)
    assert net.nodes[-2].op.kind == "Constant"  # the array became a constant with no Unsqueeze


def test_dynamic_batch_broadcasts_against_one():
    net = td.Network("m")
    x = net.input("x", td.float32, ("n", 2, 3))
    w = net.input("w", td.float32, (1, 3, 2))
    net.output("y", x @ w)
    a = np.arange(30, dtype=np.float32).reshape(5, 2, 3)
    b = np.arange(6, dtype=np.float32).reshape(1, 3, 2)
    np.testing.assert_array_equal(net.run({"x": a, "w": b})["y"], np.einsum("bmk,kn->bmn", a, b[0]))


@pytest.mark.parametrize("build, feeds, message", [
    (lambda x: x @ np.ones((4, 3), np.float32), {"x": (2, 5)},
     "the contracted dims 5 (of a, shape (2, 5)) and 4 (of b, shape (4, 3)) differ"),
    (lambda x: td.linear(x, np.ones((3, 4), np.float32), np.ones(3, np.float32)), {"x": (2, 5)},
     "the contracted dims 5 (of a, shape (2, 5)) and 4 (of b, shape (3, 4)) differ"),
    (lambda x: td.matmul(x, np.ones((2, 4, 3), np.float32), transpose_a=True), {"x": (2, 5, 3)},
     "the contracted dims 5 (of a, shape (2, 5, 3)) and 4 (of b, shape (2, 4, 3)) differ"),
    (lambda x: x @ np.ones((2, 4, 3), np.float32), {"x": (3, 2, 4)},
     "the batch dims 3 (of a, shape (3, 2, 4)) and 2 (of b, shape (2, 4, 3)) differ and neither is 1"),
])
def test_dims_that_disagree_only_at_run_time_are_named(build, feeds, message):
    net = td.Network("m")
    x = net.input("x", td.float32, ("n", "m", "k")[-len(feeds["x"]):])
    net.output("y", build(x))
    with pytest.raises(ShapeError) as info:
        net.run({"x": np.ones(feeds["x"], np.float32)})
    assert info.value.message.endswith(f"(layer matmul_0): at run time {message}")
    assert str(info.value.location).endswith(f"test_matmul.py:{build.__code__.co_firstlineno}")


def raw(op0, op1):
    return lambda a, b: a.network.add1(MatrixMultiply(MatrixOperation[op0], MatrixOperation[op1]), (a, b))


ERRORS = [
    (ShapeError, "MatrixMultiply[NONE,NONE]: the contracted dims 3 (of (2, 3)) and 4 (of (4, 5)) differ",
     call(lambda a, b: a @ b, f32(2, 3), f32(4, 5))),
    (ShapeError, "MatrixMultiply[NONE,VECTOR]: the contracted dims 3 (of (2, 3)) and 2 (of (2,)) differ",
     call(lambda a, b: a @ b, f32(2, 3), f32(2))),
    (ShapeError, "MatrixMultiply[TRANSPOSE,NONE]: the contracted dims 2 (of (2, 3)) and 3 (of (3, 5)) differ",
     call(lambda a, b: td.matmul(a, b, transpose_a=True), f32(2, 3), f32(3, 5))),
    (ShapeError, "MatrixMultiply[NONE,NONE]: the contracted dims k (of (2, k)) and j (of (j, 5)) may differ; "
                 "give inputs that must agree the same dim name",
     call(lambda a, b: a @ b, f32(2, "k"), f32("j", 5))),
    (ShapeError, "MatrixMultiply[NONE,NONE]: shapes (2, 2, 3) and (3, 3, 4) do not broadcast: dims 2 and 3 "
                 "differ and neither is 1",
     call(lambda a, b: a @ b, f32(2, 2, 3), f32(3, 3, 4))),
    (DTypeError, "MatrixMultiply[NONE,NONE]: input 'a' has dtype int32; expected one of float32, float16, "
                 "bfloat16 (TensorRT's matrix multiply takes float types only; cast integers with td.cast)",
     call(lambda a, b: a @ b, (td.int32, (2, 2)), (td.int32, (2, 2)))),
    (DTypeError, "MatrixMultiply[NONE,NONE]: inputs have dtypes float32 and float16; TensorRT networks are "
                 "strongly typed, so both must be the same (cast one with td.cast)",
     call(lambda a, b: a @ b, f32(2, 2), (td.float16, (2, 2)))),
    (ShapeError, "matmul: argument 'b' has shape (); expected rank >= 1 (np.matmul does not take scalars; "
                 "use td.multiply)", call(lambda a: a @ 2.0, f32(2, 2))),
    (ShapeError, "matmul: argument 'a' has shape (); expected rank >= 1 (np.matmul does not take scalars; "
                 "use td.multiply)", call(lambda a, b: a @ b, f32(), f32(2))),
    (ArgumentError, "matmul: argument 'transpose_b' is True; expected False for a 1-D operand (a vector has "
                    "no transpose)", call(lambda a, b: td.matmul(a, b, transpose_b=True), f32(2, 3), f32(3))),
    (ArgumentError, "matmul: argument 'transpose_a' is 'yes'; expected a bool",
     call(lambda a, b: td.matmul(a, b, transpose_a="yes"), f32(2, 3), f32(3))),
    (DTypeError, "matmul: argument 'b' (array([1.5, 2. ]), float64) cannot be used as int32: TensorRT "
                 "networks are strongly typed; convert it first (e.g. .astype) or cast the tensor with "
                 "td.cast",
     call(lambda a: a @ np.array([1.5, 2.0]), (td.int32, (2, 2)))),
    (ArgumentError, "matmul: at least one argument must be a trtdsl Tensor (got only Python/NumPy values)"
                    "; turn an array or a number into one with net.constant(...)",
     lambda: td.matmul(np.ones(2), np.ones(2))),
    (ShapeError, "MatrixMultiply[NONE,NONE]: input 'a' has shape (3,); NONE needs rank >= 2 (a matrix in the "
                 "last two dims)", call(raw("NONE", "NONE"), f32(3), f32(3, 2))),
    (ShapeError, "MatrixMultiply[VECTOR,VECTOR]: input 'b' has shape (); VECTOR needs rank >= 1 (a vector in "
                 "the last dim)", call(raw("VECTOR", "VECTOR"), f32(3), f32())),
    (ShapeError, "MatrixMultiply[NONE,NONE]: inputs (2, 3, 4) and (4, 5) have 1 and 0 batch dims; TensorRT "
                 "requires the same number (td.matmul adds leading 1s for you)",
     call(raw("NONE", "NONE"), f32(2, 3, 4), f32(4, 5))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- MatrixMultiply -------------------------------------------------------------------------------------
_MM_SHAPES = {
    "NONE": (("b", 2, 3), ("b", 3, 4)),
    "TRANSPOSE": (("b", 3, 2), ("b", 4, 3)),
    "VECTOR": (("b", 3), ("b", 3)),
}
# Products of values in [-4, 4] summed over 3 terms; absolute tolerances for the cancellations.
_MM_ATOL = {"float32": 1e-4, "float16": 0.05, "bfloat16": 0.5}


def onnx_rows() -> list[Row]:
    from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation

    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            for op0 in MatrixOperation:
                for op1 in MatrixOperation:
                    a = net.input(f"a_{op0.name}_{op1.name}", dtype, _MM_SHAPES[op0.name][0])
                    b = net.input(f"b_{op0.name}_{op1.name}", dtype, _MM_SHAPES[op1.name][1])
                    net.output(f"{op0.name}_{op1.name}", net.add1(MatrixMultiply(op0, op1), (a, b)))

        rows.append(
            Row(
                f"matmul-{dtype.name}",
                build,
                values={
                    f"{x}_{o0.name}_{o1.name}": (-4, 4)
                    for x in "ab"
                    for o0 in MatrixOperation
                    for o1 in MatrixOperation
                },
                atol=_MM_ATOL[dtype.name],
                special=False,
            )
        )
    rows.append(
        Row(
            "matmul-broadcast-float32",
            lambda net: net.output(
                "y",
                td.matmul(
                    net.input("a", td.float32, ("n", 1, 2, 3)), net.input("b", td.float32, (1, "m", 3, 2))
                ),
            ),
            values={"a": (-4, 4), "b": (-4, 4)},
            atol=1e-4,
        )
    )
    rows.append(
        Row("matmul-nan-inf-float32", two_inputs(td.float32, lambda a, b: td.matmul(a, b), (3, "n")))
    )
    return rows


@tensorrt_case
def matmuls() -> td.Network:
    net = td.Network("matmuls")
    a = net.input("a", td.float32, ("b", 3, 4))
    v = net.input("v", td.float32, (4,))
    net.output("mm", a @ randn(4, 2))
    net.output("mm_t", td.matmul(a, a, transpose_b=True))
    net.output("mv", a @ v)
    net.output("vv", td.matmul(v, v))
    net.output("vm", v @ randn(4, 3, seed=1))
    h = net.input("h", td.float16, (2, 2))
    net.output("mm_f16", h @ h)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
MATMUL_B = randn(4, 2)


@tensorrt_expectation("matmul_transpose_b", "NvInfer.h IMatrixMultiplyLayer: op(getInput(0)) * op(getInput(1))",
     {"MatrixMultiply": Layer("add_matrix_multiply", {"op0": "MatrixOperation.NONE",
                                                      "op1": "MatrixOperation.TRANSPOSE"}, ("a", "b"))})
def _(net):
    net.output("y", td.matmul(net.input("a", td.float32, (2, 3, 4)), net.input("b", td.float32, (2, 5, 4)), transpose_b=True))


@tensorrt_expectation("matmul_transpose_a", "NvInfer.h MatrixOperation::kTRANSPOSE on input 0",
     {"MatrixMultiply": Layer("add_matrix_multiply", {"op0": "MatrixOperation.TRANSPOSE",
                                                      "op1": "MatrixOperation.NONE"},
                                    ("a", Const(MATMUL_B)))})
def _(net):
    net.output("y", td.matmul(net.input("a", td.float32, (4, 3)), MATMUL_B, transpose_a=True))


@tensorrt_expectation("matmul_vector", "NvInfer.h MatrixOperation::kVECTOR; 'The number of these extra dimensions for A and B "
     "must match'",
     {"MatrixMultiply#0": Layer("add_matrix_multiply", {"op0": "MatrixOperation.NONE",
                                                        "op1": "MatrixOperation.VECTOR"}, input_ranks=(3, 2)),
      "MatrixMultiply#1": Layer("add_matrix_multiply", {"op0": "MatrixOperation.VECTOR",
                                                        "op1": "MatrixOperation.VECTOR"}, ("v", "v"))})
def _(net):
    a, v = net.input("a", td.float32, ("b", 3, 4)), net.input("v", td.float32, (4,))
    net.output("mv", a @ v)
    net.output("vv", td.matmul(v, v))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "matmul": lambda e: dict(a=e.m, b=np.ones((3, 2), np.float32), transpose_a=False, transpose_b=False),
}
