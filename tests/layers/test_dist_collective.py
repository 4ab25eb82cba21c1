"""DistCollective: every collective run as 1 to 4 ranks in one process, against the collectives' definitions
written with Python loops over the ranks' arrays (NCCL's AllReduce, AllGather, ReduceScatter, Broadcast,
Reduce, AllToAll, Gather, Scatter); groups that reorder or select ranks; ranks that reach different
collectives, or a run whose rank count does not fit the network, fail with a clear error (never a hang);
the lowering round trip on TensorRT 10.16 and 11.4 (11-only collectives refused on 10.16); the error table."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32

import trtdsl as td
from backend_rows import tensorrt_case, tensorrt_expectation, Layer
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, InputError, ShapeError
from trtdsl.layers.dist_collective import DistCollective

REDUCERS = {
    "sum": lambda values: sum(values[1:], values[0]),
    "prod": lambda values: np.prod(values, axis=0),
    "max": lambda values: np.max(values, axis=0),
    "min": lambda values: np.min(values, axis=0),
}


def reduced(xs, op):
    """The elementwise reduction of the ranks' arrays, element by element in Python (integers wrap)."""
    out = np.empty_like(xs[0])
    for index in np.ndindex(xs[0].shape):
        values = [int(x[index]) for x in xs]
        if op == "sum":
            v = sum(values)
        elif op == "prod":
            v = 1
            for item in values:
                v *= item
        else:
            v = max(values) if op == "max" else min(values)
        info = np.iinfo(xs[0].dtype)
        out[index] = (v - info.min) % (info.max - info.min + 1) + info.min
    return out


def parts(x, n):
    """Dim 0 of ``x`` cut into ``n`` equal parts, by index arithmetic."""
    size = x.shape[0] // n
    return [x[j * size:(j + 1) * size] for j in range(n)]


def expected(kind, xs, op, root):
    n = len(xs)
    if kind == "all_reduce":
        return [reduced(xs, op)] * n
    if kind == "all_gather":
        return [np.array([row for x in xs for row in x], xs[0].dtype).reshape((-1,) + xs[0].shape[1:])] * n
    if kind == "reduce_scatter":
        return parts(reduced(xs, op), n)
    if kind == "broadcast":
        return [xs[root]] * n
    if kind == "reduce_to_root":
        return [reduced(xs, op) if r == root else np.zeros_like(xs[0]) for r in range(n)]
    if kind == "all_to_all":
        return [np.concatenate([parts(xs[i], n)[j] for i in range(n)]) for j in range(n)]
    gathered = np.concatenate(xs)
    if kind == "gather_to_root":
        return [gathered if r == root else np.zeros_like(gathered) for r in range(n)]
    return parts(xs[root], n)  # scatter


def build(kind, x, op, root, ranks, groups=None):
    args = {"ranks": ranks} if groups is None else {"groups": groups}
    if kind in ("all_reduce", "reduce_scatter"):
        return getattr(td, kind)(x, op, **args)
    if kind == "reduce_to_root":
        return td.reduce_to_root(x, op, root, **args)
    if kind in ("broadcast", "gather_to_root", "scatter"):
        return getattr(td, kind)(x, root, **args)
    return getattr(td, kind)(x, **args)


KINDS = ["all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce_to_root", "all_to_all",
         "gather_to_root", "scatter"]


@st.composite
def case(draw, dtype):
    ranks = draw(st.integers(1, 4))
    rows = ranks * draw(st.integers(1, 2))
    shape = (rows, draw(st.integers(1, 3)))
    xs = [draw(arrays(dtype, shape, min_value=-50, max_value=50)) for _ in range(ranks)]
    return xs, draw(st.sampled_from(sorted(REDUCERS))), draw(st.integers(0, ranks - 1))


def run_ranks(kind, xs, op, root, groups=None):
    net = td.Network("c")
    x = net.input("x", td.dtype(xs[0].dtype), xs[0].shape)
    net.output("y", build(kind, x, op, root, len(xs), groups))
    return [out["y"] for out in net.run([{"x": a} for a in xs], ranks=len(xs))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.int32, np.int8], ids=["int32", "int8"])
@given(data=st.data())
def test_every_collective_for_one_to_four_ranks(kind, dtype, data):
    xs, op, root = data.draw(case(dtype))
    got = run_ranks(kind, xs, op, root)
    want = expected(kind, xs, op, root)
    assert len(got) == len(xs)
    for g, w in zip(got, want):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["float32", "float16"])
@given(data=st.data())
def test_float_reductions_and_the_average(dtype, data):
    xs, _, _ = data.draw(case(dtype))
    wide = [x.astype(np.float64) for x in xs]
    for op, formula in [("sum", sum), ("avg", lambda v: sum(v) / len(v)), ("max", max), ("min", min)]:
        got = run_ranks("all_reduce", xs, op, 0)
        want = np.array([[formula([w[i, j] for w in wide]) for j in range(xs[0].shape[1])]
                         for i in range(xs[0].shape[0])])
        tol = 4e-3 if dtype == np.float16 else 1e-5
        for g in got:
            np.testing.assert_allclose(g.astype(np.float64), want, rtol=tol, atol=tol * 50)


@given(data=st.data())
def test_groups_give_the_group_local_order_and_root(data):
    ranks = data.draw(st.integers(2, 4))
    groups = data.draw(st.permutations(range(ranks)))
    root = data.draw(st.sampled_from(groups))
    xs = [np.full((ranks, 2), r, np.int32) for r in range(ranks)]
    ordered = [xs[g] for g in groups]
    local_root = groups.index(root)
    for kind in ("all_gather", "scatter", "broadcast", "gather_to_root"):
        got = run_ranks(kind, xs, None, root, groups)
        want = expected(kind, ordered, None, local_root)
        for local, rank in enumerate(groups):
            np.testing.assert_array_equal(got[rank], want[local])


def test_a_group_of_some_ranks_inside_a_conditional():
    """Ranks 0 and 2 all-reduce in a group of their own; ranks 1 and 3 take the other branch."""
    net = td.Network("sub")
    x, p = net.input("x", td.int32, (2,)), net.input("in_group", td.bool, ())
    net.output("y", td.cond(p, lambda: td.all_reduce(x, groups=[2, 0]), lambda: x * 10))
    feeds = [{"x": np.array([r, 1], np.int32), "in_group": np.array(r % 2 == 0)} for r in range(4)]
    got = [out["y"].tolist() for out in net.run(feeds, ranks=4)]
    assert got == [[2, 2], [10, 10], [2, 2], [30, 10]]


def test_collectives_in_a_loop_exchange_once_per_iteration():
    net = td.Network("loop")
    x = net.input("x", td.float32, (2,))
    with td.Loop(trip_count=3) as loop:
        c = loop.carry(x)
        c.update(td.all_reduce(c, ranks=2) * 0.5)
        last = loop.last(c)
    net.output("y", last)
    feeds = [{"x": np.array([1, 2], np.float32)}, {"x": np.array([3, 6], np.float32)}]
    assert [out["y"].tolist() for out in net.run(feeds, ranks=2)] == [[2.0, 4.0], [2.0, 4.0]]


def deadlocked():
    net = td.Network("d")
    x, p = net.input("x", td.float32, (2,)), net.input("p", td.bool, ())
    net.output("y", td.cond(p, lambda: td.all_reduce(x, ranks=2, name="reduce_branch"),
                            lambda: td.broadcast(x, 0, ranks=2, name="broadcast_branch")))
    return net


def test_ranks_at_different_collectives_fail_instead_of_hanging():
    net = deadlocked()
    feeds = [{"x": np.ones(2, np.float32), "p": np.array(r == 0)} for r in range(2)]
    with pytest.raises(ExecutionError) as info:
        net.run(feeds, ranks=2)
    message = info.value.message
    assert message.startswith("DistCollective[ALL_REDUCE,SUM] (layer reduce_branch): rank 0 waits here with "
                              "group [0, 1], but no rank can go on: rank 1 waits at layer broadcast_branch ")
    assert message.endswith("Every rank of a group must reach the same collective layer")


def test_a_rank_that_finished_leaves_the_others_failing():
    net = td.Network("f")
    x, p = net.input("x", td.float32, (2,)), net.input("p", td.bool, ())
    net.output("y", td.cond(p, lambda: td.all_reduce(x, ranks=2), lambda: x + 1.0))
    feeds = [{"x": np.ones(2, np.float32), "p": np.array(r == 1)} for r in range(2)]
    message = ("DistCollective[ALL_REDUCE,SUM] (layer all_reduce_0): rank 1 waits here with group [0, 1], but no "
               "rank can go on: rank 0 has finished its run. Every rank of a group must reach the same collective "
               "layer")
    collective = next(n for n in net.nodes if isinstance(n.op, DistCollective))
    expect_error(ExecutionError, message, lambda: net.run(feeds, ranks=2), line=collective.location.line)


def test_a_rank_failing_elsewhere_is_the_error_reported():
    net = td.Network("e")
    x = net.input("x", td.float32, (1, 1, 2))
    bounds = net.input("b", td.int32, (1, 1, 1))
    y = td.ragged_softmax(x, bounds)
    net.output("y", td.all_reduce(y, ranks=2))
    feeds = [{"x": np.ones((1, 1, 2), np.float32), "b": np.array([[[b]]], np.int32)} for b in (1, 7)]
    with pytest.raises(ExecutionError, match=r"bounds\[0, 0, 0\] is 7"):
        net.run(feeds, ranks=2)


def two_rank_network():
    net = td.Network("two")
    net.output("y", td.all_reduce(net.input("x", td.float32, (2,)), ranks=2))
    return net


ONE = {"x": np.ones(2, np.float32)}

RUN_ERRORS = [
    (InputError, "run: layer all_reduce_0 (created at {loc}) is a collective of ranks=2, but the run has ranks=3",
     lambda net: net.run([ONE] * 3, ranks=3)),
    (InputError, "run: with ranks=2, inputs must be a list of 2 dicts (input name -> array), one per rank; got a "
                 "list of 1", lambda net: net.run([ONE], ranks=2)),
    (InputError, "run: with ranks=2, inputs must be a list of 2 dicts (input name -> array), one per rank; got a "
                 "dict", lambda net: net.run(ONE, ranks=2)),
    (InputError, "run: ranks is 0; expected an int >= 1, the number of ranks", lambda net: net.run([], ranks=0)),
    (InputError, "run: missing input 'x' (f32[2]) (rank 1)", lambda net: net.run([ONE, {}], ranks=2)),
    (ExecutionError, "DistCollective[ALL_REDUCE,SUM] (layer all_reduce_0): the layer exchanges data between 2 "
                     "ranks [0, 1]; run the network with net.run([inputs of each rank], ranks=2)",
     lambda net: net.run(ONE)),
    (td.BackendError, "run: ranks=2 runs several ranks in one process, which only backend='reference' does; "
                      "TensorRT runs one engine per rank (docs/tensorrt.md)",
     lambda net: net.run([ONE] * 2, ranks=2, backend="onnxruntime")),
]


@pytest.mark.parametrize("cls, message, run", RUN_ERRORS, ids=[f"{i:02d}" for i in range(len(RUN_ERRORS))])
def test_runs_that_do_not_fit_the_network(cls, message, run):
    net = two_rank_network()
    node = net.nodes[-1]
    with pytest.raises(cls) as info:
        run(net)
    assert info.value.message == message.format(loc=node.location)


def test_a_rank_outside_the_group_is_refused():
    net = td.Network("g")
    net.output("y", td.all_reduce(net.input("x", td.float32, (2,)), groups=[1, 2]))
    with pytest.raises(ExecutionError, match=r"rank 0 reached the layer but is not one of its group \[1, 2\]"):
        net.run([ONE] * 3, ranks=3)


def lowered_and_raised(net, version):
    trt = standin.module(version)
    return raise_network(lower(net, trt).network, trt)


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_round_trip_keeps_every_parameter(version):
    net = td.Network("rt")
    x = net.input("x", td.float16, ("n", 4))
    net.output("a", td.all_reduce(x, "avg", ranks=4))
    net.output("b", td.all_gather(x, groups=[3, 1, 2]))
    net.output("c", td.reduce_to_root(x, "min", root=2, groups=[0, 2]))
    net.output("d", td.reduce_scatter(x[:4], "max", ranks=2))
    net.output("e", td.broadcast(x, root=1, ranks=3))
    again = lowered_and_raised(net, version)
    assert [n.op for n in again.nodes if isinstance(n.op, DistCollective)] == \
        [n.op for n in net.nodes if isinstance(n.op, DistCollective)]


def test_the_collectives_of_tensorrt_11_round_trip_on_11_and_are_refused_by_10():
    for kind in ("all_to_all", "gather_to_root", "scatter"):
        net = td.Network("rt11")
        net.output("y", build(kind, net.input("x", td.int32, (6, 2)), None, 2, 3, None))
        again = lowered_and_raised(net, "11.4")
        assert [n.op for n in again.nodes] == [n.op for n in net.nodes]
        name = {"all_to_all": "ALL_TO_ALL", "gather_to_root": "GATHER", "scatter": "SCATTER"}[kind]
        expect_error(td.BackendError, f"DistCollective layer {net.nodes[-1].name} ({name}) needs TensorRT 11.0 or "
                     f"newer (CollectiveOperation.{name}); this is TensorRT 10.16.1.11",
                     lambda: lowered_and_raised(net, "10.16"), line=None)


def test_a_layer_without_trtdsl_metadata_cannot_be_raised():
    trt = standin.module("11.4")
    net = trt.Builder(trt.Logger()).create_network(0)
    x = net.add_input("x", trt.float32, (2,))
    layer = net.add_dist_collective(x, trt.CollectiveOperation.ALL_REDUCE, trt.ReduceOperation.SUM, -1, None)
    layer.name = "ar"
    net.mark_output(layer.get_output(0))
    expect_error(td.BackendError, "raise: DistCollective layer 'ar' has no trtdsl metadata; TensorRT's Python API "
                 "cannot read a DistCollective layer's operation, reduce op, root or groups back, so trtdsl "
                 "raises only the ones its lowering wrote", lambda: raise_network(net, trt))


def test_onnx_export_says_collectives_are_not_expressible():
    with pytest.raises(td.BackendError, match="ONNX has no operator that exchanges data between devices"):
        two_rank_network().to_onnx()


def test_the_ir_shows_ranks_root_and_groups():
    net = td.Network("ir")
    x = net.input("x", td.float32, ("n", 3))
    td.gather_to_root(x, root=2, groups=[2, 0], name="g")
    assert "%g : f32[n*2,3] = DistCollective[GATHER](%x, ranks=2, root=2, groups=(2,0))" in \
        net.format(locations=False)


ERRORS = [
    (ArgumentError, "all_reduce: argument 'ranks' is 0; expected an int in [1, 65536], the number of ranks "
                    "taking part",
     call(lambda x: td.all_reduce(x, ranks=0), f32(2))),
    (ArgumentError, "all_reduce: argument 'ranks' is None; expected an int in [1, 65536], the number of ranks "
                    "taking part",
     call(lambda x: td.all_reduce(x), f32(2))),
    (ArgumentError, "all_reduce: argument 'op' is 'mean'; expected one of SUM, PROD, MAX, MIN, AVG",
     call(lambda x: td.all_reduce(x, "mean", ranks=2), f32(2))),
    (ArgumentError, "all_gather: argument 'groups' is [0, 0]; expected distinct rank ids >= 0",
     call(lambda x: td.all_gather(x, groups=[0, 0]), f32(2))),
    (ArgumentError, "all_gather: argument 'groups' is []; expected a non-empty list of at most 65536 rank ids (ints), or None for "
                    "all ranks",
     call(lambda x: td.all_gather(x, groups=[]), f32(2))),
    (ArgumentError, "all_gather: argument 'ranks' is 3; expected None or 2, the size of groups [0, 1]",
     call(lambda x: td.all_gather(x, ranks=3, groups=[0, 1]), f32(2))),
    (ArgumentError, "broadcast: argument 'root' is 2; expected a rank id in [0, 1]",
     call(lambda x: td.broadcast(x, 2, ranks=2), f32(2))),
    (ArgumentError, "scatter: argument 'root' is 0; expected one of the participating ranks [3, 1]",
     call(lambda x: td.scatter(x, 0, groups=[3, 1]), f32(2))),
    (ArgumentError, "dist_collective: argument 'reduce_op' is 'sum'; expected None (ALL_GATHER does not reduce)",
     call(lambda x: td.dist_collective(x, "all_gather", "sum", ranks=2), f32(2))),
    (ArgumentError, "dist_collective: argument 'root' is 1; expected -1 (ALL_REDUCE has no root)",
     call(lambda x: td.dist_collective(x, "all_reduce", "sum", 1, ranks=2), f32(2))),
    (ArgumentError, "dist_collective: argument 'collective' is 'allreduce'; expected one of ALL_REDUCE, ALL_GATHER, "
                    "BROADCAST, REDUCE, REDUCE_SCATTER, ALL_TO_ALL, GATHER, SCATTER",
     call(lambda x: td.dist_collective(x, "allreduce", ranks=2), f32(2))),
    (ShapeError, "DistCollective[REDUCE_SCATTER,SUM]: input 'x' has shape (3, 2); dim 0 must be a multiple of the 2 "
                 "ranks (REDUCE_SCATTER cuts it into one part per rank)",
     call(lambda x: td.reduce_scatter(x, ranks=2), f32(3, 2))),
    (ShapeError, "DistCollective[ALL_GATHER]: input 'x' has shape (); expected rank >= 1 (ALL_GATHER works along "
                 "dim 0)",
     call(lambda x: td.all_gather(x, ranks=2), f32())),
    (DTypeError, "DistCollective[ALL_REDUCE,AVG]: input 'x' has dtype int32; AVG averages floats only (float32, "
                 "float16, bfloat16)",
     call(lambda x: td.all_reduce(x, "avg", ranks=2), (td.int32, (2,)))),
    (DTypeError, "DistCollective[BROADCAST]: input 'x' has dtype bool; expected one of float32, float16, bfloat16, "
                 "int32, int64, int8",
     call(lambda x: td.broadcast(x, ranks=2), (td.bool, (2,)))),
    (ArgumentError, "DistCollective[ALL_REDUCE]: argument 'reduce_op' is None; expected one of SUM, PROD, MAX, MIN, "
                    "AVG",
     call(lambda x: x.network.add1(DistCollective(td.CollectiveOperation.ALL_REDUCE, None, -1, (), 2), (x,)),
          f32(2))),
    (ArgumentError, "DistCollective[ALL_GATHER]: argument 'groups' is (0, 1, 2); expected 2 distinct rank ids >= 0 "
                    "(one per participating rank), or () for all ranks",
     call(lambda x: x.network.add1(DistCollective(td.CollectiveOperation.ALL_GATHER, None, -1, (0, 1, 2), 2), (x,)),
          f32(2))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def dist_collectives() -> td.Network:
    """One rank (the fake engines run networks as one rank); TensorRT 10.16's five collectives. The round
    trips of several ranks, groups and TensorRT 11's collectives are in
    tests/layers/test_dist_collective.py."""
    net = td.Network("dist_collectives")
    x = net.input("x", td.float32, ("n", 4))
    net.output("all_reduce", td.all_reduce(x, "max", ranks=1))
    net.output("all_gather", td.all_gather(x, groups=[0]))
    net.output("reduce_scatter", td.reduce_scatter(x, "prod", ranks=1))
    net.output("broadcast", td.broadcast(x, 0, ranks=1))
    net.output("reduce", td.reduce_to_root(td.cast(x, td.int32), "min", root=0, ranks=1))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("dist_collective_all_gather", "NvInfer.h addDistCollective(input, kALL_GATHER, kNONE, root -1 (ignored), "
     "groups, groupSize) and ILayer::setNbRanks (the output shape of kALL_GATHER)",
     {"DistCollective": Layer("add_dist_collective", {"num_ranks": 3}, ("x",),
                              arguments={"dist_collective_op": "CollectiveOperation.ALL_GATHER",
                                         "reduce_op": "ReduceOperation.NONE", "root": -1, "groups": (2, 0, 1)})})
def _(net):
    net.output("y", td.all_gather(net.input("x", td.float32, (2, 3)), groups=[2, 0, 1]))


@tensorrt_expectation("dist_collective_reduce", "NvInfer.h addDistCollective(input, kREDUCE, kMAX, root, nullptr, 0): all ranks",
     {"DistCollective": Layer("add_dist_collective", {"num_ranks": 4}, ("x",),
                              arguments={"dist_collective_op": "CollectiveOperation.REDUCE",
                                         "reduce_op": "ReduceOperation.MAX", "root": 3, "groups": None})})
def _(net):
    net.output("y", td.reduce_to_root(net.input("x", td.float32, (2, 3)), "max", root=3, ranks=4))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "all_reduce": lambda e: dict(x=e.m, op="max", ranks=1, groups=None),
    "all_gather": lambda e: dict(x=e.m, ranks=None, groups=[0]),
    "reduce_scatter": lambda e: dict(x=e.m, op="sum", ranks=2, groups=None),
    "broadcast": lambda e: dict(x=e.m, root=0, ranks=1, groups=None),
    "reduce_to_root": lambda e: dict(x=e.m, op="min", root=1, ranks=2, groups=None),
    "all_to_all": lambda e: dict(x=e.m, ranks=1, groups=None),
    "gather_to_root": lambda e: dict(x=e.m, root=0, ranks=None, groups=[0]),
    "scatter": lambda e: dict(x=e.m, root=0, ranks=2, groups=None),
    "dist_collective": lambda e: dict(x=e.m, collective="reduce", reduce_op="sum", root=0, ranks=1, groups=None),
}


def test_each_ranks_outputs_are_arrays_of_their_own():
    """As in a run of one rank: a collective's result is not one array for every rank, and no output is a
    rank's input or a constant's values."""
    net = td.Network("own")
    x = net.input("x", td.float32, (3,))
    net.output("sum", td.all_reduce(x, ranks=2))
    net.output("same", td.identity(x))
    net.output("ones", td.identity(net.constant(np.ones(3, np.float32))))
    feeds = [np.ones(3, np.float32), np.full(3, 2, np.float32)]
    out = net.run([{"x": feeds[0]}, {"x": feeds[1]}], ranks=2)
    for array in out[0].values():
        assert array.flags.writeable
        array[...] = -1
    assert out[1]["sum"].tolist() == [3, 3, 3] and out[1]["ones"].tolist() == [1, 1, 1]
    assert feeds[0].tolist() == [1, 1, 1]
