"""The error table for loops: invalid loops, each with the exact message it must produce at the user's
line. DSL rows are caught when the loop is written; IR rows build networks layer by layer (as a
network raised from TensorRT is) and are caught by the region analysis TensorRT's rules define."""

import numpy as np
import pytest
from support import error_line, expect_error, inputs, line_of

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, RegionError, ShapeError
from trtdsl.ir.region import new_region
from trtdsl.loops.ops import (
    IteratorLayer,
    LoopOutput,
    LoopOutputLayer,
    RecurrenceLayer,
    TripLimit,
    TripLimitLayer,
)
from trtdsl.regions import analyze

F = td.float32


def leak():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        v = loop.iterate(x) * 2.0
        loop.collect(v)
    return v + 1.0


def last_of_iterator():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        loop.last(loop.iterate(x))


def last_of_other_loop():
    _, (x,) = inputs((F, ()))
    with td.Loop(trip_count=3) as outer:
        h = outer.carry(x)
        h.update(h + 1.0)
        with td.Loop(trip_count=2) as inner:
            inner.last(h)


def update_shape():
    _, (x,) = inputs((F, (2, 3)))
    with td.Loop(trip_count=2) as loop:
        v = loop.iterate(x)
        h = loop.carry(np.zeros(2, np.float32))
        h.update(v)


def update_dtype():
    net, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3, network=net) as loop:
        h = loop.carry(np.int32(0))
        h.update(loop.iterate(x))


def update_twice():
    _, (x,) = inputs((F, ()))
    with td.Loop(trip_count=3) as loop:
        h = loop.carry(x)
        h.update(h + 1.0)
        h.update(h + 2.0)


def update_in_branch():
    _, (x,) = inputs((F, ()))
    with td.Loop(trip_count=3) as loop:
        h = loop.carry(x)
        with td.If(h > 0) as branch:
            with branch.then_():
                h.update(h + 1.0)


def two_counts():
    net, (_, n) = inputs((F, (3,)), (td.int32, ()))
    with td.Loop(trip_count=3, network=net) as loop:
        loop.trip_limit(n, "COUNT")


def two_whiles():
    _, (x,) = inputs((F, (3,)))
    with td.Loop() as loop:
        h = loop.carry(x)
        loop.while_(td.max(h) > 0)
        loop.while_(td.min(h) > 0)


def while_of(make):
    def build():
        _, (x,) = inputs((F, (3,)))
        with td.Loop() as loop:
            h = loop.carry(x)
            loop.while_(make(h))
    return build


def while_on_iterator():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        loop.while_(loop.iterate(x) > 0)


def output_inside():
    net, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        net.output("v", loop.iterate(x) * 2.0)


def result_inside():
    net, _ = inputs()
    with td.Loop(trip_count=3, network=net) as loop:
        h = loop.carry(np.float32(0))
        h.update(loop.last(h) + 1.0)


def never_updated():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        loop.last(loop.carry(x))  # located


def no_trip_limit():
    _, (x,) = inputs((F, (3,)))
    with td.Loop() as loop:
        h = loop.carry(x)
        h.update(h * 2.0)


def collect_invariant():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        loop.collect(x * 2.0)


def collect_without_length():
    _, (x,) = inputs((F, ()))
    with td.Loop() as loop:
        h = loop.carry(x)
        loop.while_(h < 10)
        h.update(h + 1.0)
        loop.collect(h)


def collect_inner_value():
    _, (x,) = inputs((F, (3, 2)))
    with td.Loop(trip_count=3) as outer:
        row = outer.iterate(x)
        with td.Loop(trip_count=2) as inner:
            v = inner.iterate(row) * 2.0
            inner.collect(v)
        outer.collect(v)


def collect_with_length(length):
    def build():
        _, (x,) = inputs((F, (3,)))
        with td.Loop() as loop:
            h = loop.carry(x)
            h.update(h * 2.0)
            loop.while_(td.max(h) < 10.0)
            loop.collect(h, length=length)
    return build


def carry_of(value):
    def build():
        _, (x,) = inputs((F, (3,)))
        with td.Loop(trip_count=3, network=x.network) as loop:
            loop.carry(value)
    return build


def named_loops(*names):
    def build():
        _, (x,) = inputs((F, (3,)))
        for name in names:
            with td.Loop(trip_count=3, name=name) as loop:
                c = loop.carry(x)
                c.update(c)
    return build


def loop_over_two_networks():
    _, (x,) = inputs((F, (3,)))
    other = td.Network("other").input("y", F, (3,))
    with td.Loop(trip_count=3) as loop:
        loop.carry(x)
        loop.carry(other)


def iterate(shape, count, **kw):
    def build():
        _, (x,) = inputs((F, shape))
        with td.Loop(trip_count=count) as loop:
            loop.iterate(x, **kw)
    return build


def reverse_without_count():
    _, (x,) = inputs((F, (3,)))
    with td.Loop() as loop:
        loop.iterate(x, reverse=True)


def iterate_inside():
    _, (x,) = inputs((F, (3, 2)))
    with td.Loop(trip_count=3) as loop:
        loop.iterate(loop.iterate(x))


def carry_inside():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        loop.carry(loop.iterate(x))


def count_inside():
    _, (x,) = inputs((td.int32, (3,)))
    with td.Loop() as loop:
        loop.trip_limit(loop.iterate(x), "COUNT")


def used_twice():
    _, (x,) = inputs((F, (3,)))
    loop = td.Loop(trip_count=3)
    with loop:
        loop.collect(loop.iterate(x))
    with loop:
        pass


def after_the_block():
    _, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        v = loop.iterate(x)
    loop.collect(v)


def unknown_network():
    with td.Loop(trip_count=3) as loop:
        loop.carry(np.float32(1))


def count_tensor(dtype, shape):
    def build():
        _, (n,) = inputs((dtype, shape))
        with td.Loop(trip_count=n):
            pass
    return build


def scan_mismatch():
    _, (x, a, b) = inputs((F, (3, 2)), (F, (2,)), (td.int32, ()))
    td.scan(lambda c, x: ({"a": c["a"][0], "b": td.cast(c["b"], F)}, x), {"a": a, "b": b}, x)


def scan_structure():
    _, (x, a) = inputs((F, (3, 2)), (F, (2,)))
    td.scan(lambda c, x: ((c, c), x), a, x)


def scan_not_pair():
    _, (x, a) = inputs((F, (3, 2)), (F, (2,)))
    td.scan(lambda c, x: c, a, x)


def scan_lengths():
    _, (x, y) = inputs((F, (3, 2)), (F, (4,)))
    td.scan(lambda c, x: (c, x[0]), np.float32(0), (x, y))


def scan_nothing():
    _, (a,) = inputs((F, ()))
    td.scan(lambda c, x: (c, c), a)


def scan_bad_init():
    _, (x,) = inputs((F, (3,)))
    td.scan(lambda c, x: (c, x), {"a": "zero"}, x)


def while_loop_bool():
    _, (x,) = inputs((F, (3,)))
    td.while_loop(lambda v: v > 0, lambda v: v - 1.0, x)


def while_loop_shape():
    _, (x,) = inputs((F, (3,)))
    td.while_loop(lambda v: td.max(v) > 0, lambda v: v[0], x)


def fori(lower, upper):
    def build():
        _, (x, n) = inputs((F, (3,)), (F, ()))
        td.fori_loop(n if lower == "n" else lower, n if upper == "n" else upper, lambda i, v: v, x)
    return build


# Networks built layer by layer, with TensorRT's boundary layers.
def raw(kinds=("loop",)):
    net = td.Network("raw")
    x = net.input("x", F, (3,))
    return net, x, [new_region(net, k, None) for k in kinds]


def three(net):
    return net.constant(np.int32(3))


def raw_unclear_nesting():
    net, x, (a, b) = raw(("loop", "loop"))
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))  # located
    net.add(TripLimitLayer(b, TripLimit.COUNT), (three(net),))
    ra = net.add1(RecurrenceLayer(a), (x,))
    rb = net.add1(RecurrenceLayer(b), (x,))
    net.set_input(ra.producer, 1, rb + 1.0)
    net.set_input(rb.producer, 1, ra + 1.0)
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (ra,)))
    analyze(net)


def raw_inner_value_to_outer_recurrence():
    net, x, (a, b) = raw(("loop", "loop"))
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    ra = net.add1(RecurrenceLayer(a), (x,))  # located
    net.add(TripLimitLayer(b, TripLimit.COUNT), (three(net),))
    rb = net.add1(RecurrenceLayer(b), (ra,))  # b starts from a's value: b is nested in a
    inner = rb * 2.0
    net.set_input(rb.producer, 1, inner)
    net.set_input(ra.producer, 1, inner)  # a's next value taken from inside b, not from b's outputs
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (ra,)))
    analyze(net)


def raw_last_value_of_a_product():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    r = net.add1(RecurrenceLayer(a), (x,))
    net.set_input(r.producer, 1, r * 2.0)
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r * 3.0,)))  # located
    analyze(net)


def raw_recurrence_without_next():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    r = net.add1(RecurrenceLayer(a), (x,))  # located
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r,)))
    analyze(net)


def raw_count_inside():
    net, _, (a,) = raw()
    r = net.add1(RecurrenceLayer(a), (three(net),))
    net.set_input(r.producer, 1, r - 1)
    net.add(TripLimitLayer(a, TripLimit.COUNT), (r,))  # located
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r,)))
    analyze(net)


def raw_output_inside():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    r = net.add1(RecurrenceLayer(a), (x,))
    net.set_input(r.producer, 1, r * 2.0)
    net.output("y", r * 3.0)  # located
    analyze(net)


def raw_no_trip_limit():
    net, x, (a,) = raw()
    r = net.add1(RecurrenceLayer(a), (x,))  # located
    net.set_input(r.producer, 1, r * 2.0)
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r,)))
    analyze(net)


def raw_two_counts():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))  # located
    r = net.add1(RecurrenceLayer(a), (x,))
    net.set_input(r.producer, 1, r * 2.0)
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r,)))
    analyze(net)


def raw_while_on_iterator():
    net, x, (a,) = raw()
    it = net.add1(IteratorLayer(a, 0), (x,))
    net.add(TripLimitLayer(a, TripLimit.WHILE), (it > 0.0,))  # located
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, 3), (it, three(net))))
    analyze(net)


def raw_reverse_without_count():
    net, x, (a,) = raw()
    r = net.add1(RecurrenceLayer(a), (net.constant(np.float32(0)),))
    net.set_input(r.producer, 1, r + 1.0)
    net.add(TripLimitLayer(a, TripLimit.WHILE), (r < 3.0,))
    it = net.add1(IteratorLayer(a, 0, True), (x,))  # located
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, 3), (it, three(net))))
    analyze(net)


def raw_collect_invariant():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    collected = net.add1(LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, 3), (x * 2.0, three(net)))  # located
    net.output("y", collected)
    analyze(net)


def raw_siblings_mixed():
    net, x, (a, b) = raw(("loop", "loop"))
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    net.add(TripLimitLayer(b, TripLimit.COUNT), (three(net),))
    ia = net.add1(IteratorLayer(a, 0), (x,))
    ib = net.add1(IteratorLayer(b, 0), (x,))
    net.output("y", ia + ib)  # located
    analyze(net)


def raw_result_used_inside():
    net, x, (a,) = raw()
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    r = net.add1(RecurrenceLayer(a), (x,))
    out = net.add1(LoopOutputLayer(a, LoopOutput.LAST_VALUE), (r,))
    net.set_input(r.producer, 1, r + out)  # located
    net.output("y", out)
    analyze(net)


def raw_length_too_short():
    net, x, (a,) = raw()
    n = net.input("n", td.int32, ())
    net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
    it = net.add1(IteratorLayer(a, 0), (x,))
    length = td.Dim.symbol("%n")
    net.output("y", net.add1(LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, length), (it, n)))  # located
    net.run({"x": np.ones(3, np.float32), "n": np.int32(2)})


def collect_axis_of_a_scalar():
    net = td.Network("n")
    x = net.input("x", td.int32, ())
    with td.Loop(trip_count=3) as loop:
        c = loop.carry(x)
        c.update(c + 1)
        loop.collect(c + 0, axis=1)


def collect_of_varying_shape():
    net = td.Network("vary")
    xs = net.input("xs", td.float32, (2, 3))
    with td.Loop(trip_count=2) as loop:
        r = loop.iterate(xs)
        with td.If(td.sum(r) > 0) as b:
            with b.then_():
                t = r[:2] + 0.0
            with b.else_():
                f = r + 0.0
            y = b.output(t, f)  # f32[if_0#2|3]: each iteration's own size
        c = loop.collect(y)  # located
    net.output("c", c)
    net.run({"xs": np.array([[1, 1, 1], [-1, -1, -1]], np.float32)})


def raw_layer(make, *specs):
    """Add the boundary layer ``make(region)`` on new inputs of ``specs`` (loop_0 has a trip limit)."""
    def build():
        net, _, (a,) = raw()
        net.add(TripLimitLayer(a, TripLimit.COUNT), (three(net),))
        return net.add(make(a), [net.input(f"i{k}", dt, shape) for k, (dt, shape) in enumerate(specs)])
    return build


def raw_op(make):
    def build():
        _, _, (a,) = raw()
        make(a)
    return build


ROWS = [
    # written with td.Loop
    (RegionError, "ElementWise[SUM]: %prod_0 is computed inside loop 'loop_0', whose with block has ended; a "
                  "value leaves a loop only through loop.collect/loop.last and a conditional only through "
                  "branch.output",
     leak),
    (RegionError, "last: %iterator_0 is not a carry of loop 'loop_0'; LAST_VALUE takes a recurrence (use "
                  "loop.carry, or loop.collect for other values)", last_of_iterator),
    (RegionError, "last: %recurrence_0 is not a carry of loop 'loop_1'; LAST_VALUE takes a recurrence (use "
                  "loop.carry, or loop.collect for other values)", last_of_other_loop),
    (ShapeError, "Recurrence: the next value has shape (3,) but the initial value has shape (2,); TensorRT "
                 "requires a recurrence's next value to have the type of its initial value", update_shape),
    (DTypeError, "Recurrence: the next value has dtype float32 but the initial value has dtype int32; "
                 "TensorRT requires a recurrence's next value to have the type of its initial "
                 "value", update_dtype),
    (RegionError, "update: call it directly in the with block of loop 'loop_0', not inside a nested loop or "
                  "conditional", update_in_branch),
    (RegionError, "trip_limit: loop 'loop_0' already has a WHILE trip limit (created at {file}:{line}); "
                  "TensorRT allows one of each kind", two_whiles),
    (ShapeError, "TripLimit[WHILE]: input 'limit' has shape (3,); expected a 0-D bool condition",
     while_of(lambda h: h > 0)),
    (DTypeError, "TripLimit[WHILE]: input 'limit' has dtype float32; expected a 0-D bool condition",
     while_of(lambda h: td.max(h))),
    (RegionError, "while_: the WHILE condition depends on Iterator layer iterator_0; TensorRT computes it "
                  "only from the loop's recurrences (and values from outside the loop), without iterators or "
                  "nested loops",
     while_on_iterator),
    (RegionError, "output 'v': %prod_0 is computed inside loop 'loop_0'; TensorRT does not allow a network "
                  "output inside a loop or conditional (mark the region's result, from "
                  "loop.collect/loop.last or branch.output, after its with block)", output_inside),
    (RegionError, "ElementWise[SUM]: %loop_output_0 is a result of loop 'loop_0', available only after its "
                  "with block ends", result_inside),
    (RegionError, "loop 'loop_0': carry %recurrence_0 is never updated; call recurrence_0.update(next_value) "
                  "in the loop body", never_updated),
    (RegionError, "loop 'loop_0' has no trip limit: pass trip_count= or call "
                  "loop.while_(condition)", no_trip_limit),
    (RegionError, "collect: %prod_0 does not depend on the iterators or carries of loop 'loop_0', so it is "
                  "not computed inside the loop; TensorRT collects only values computed in the "
                  "loop", collect_invariant),
    (RegionError, "collect: loop 'loop_0' has no trip count; pass length= (the most iterations it can run)",
     collect_without_length),
    (ShapeError, "collect: argument 'axis' is 1; expected an int in [-1, 0] for a rank-1 result (the rank-0 "
                 "value with the new axis)", collect_axis_of_a_scalar),
    (RegionError, "collect: %prod_0 is computed inside loop 'loop_1', whose with block has ended; a value "
                  "leaves a loop only through loop.collect/loop.last and a conditional only through "
                  "branch.output",
     collect_inner_value),
    (RegionError, "iterate: loop 'loop_0' runs 5 iterations but %t0 has only 3 along axis 0 (shape (3, 2)); "
                  "TensorRT does not allow iterating past a tensor's extent", iterate((3, 2), 5)),
    (RegionError, "iterate: %t0 is 0-D; there is nothing to iterate over", iterate((), 3)),
    (ShapeError, "iterate: argument 'axis' is 1; expected an int in [-1, 0] for a rank-1 input",
     iterate((3,), 3, axis=1)),
    (ArgumentError, "iterate: argument 'reverse' is 1; expected a bool", iterate((3,), 3, reverse=1)),
    (RegionError, "iterate: reverse=True reads x[count-1-i], but loop 'loop_0' has no trip count",
     reverse_without_count),
    (RegionError, "iterate: %iterator_0 is computed inside loop 'loop_0'; it must come from outside the "
                  "region",
     iterate_inside),
    (RegionError, "carry: %iterator_0 is computed inside loop 'loop_0'; it must come from outside the region",
     carry_inside),
    (RegionError, "trip_limit: %iterator_0 is computed inside loop 'loop_0'; it must come from outside the "
                  "region",
     count_inside),
    (RegionError, "trip_limit: loop 'loop_0' already has a COUNT trip limit (created at {file}:{line}); "
                  "TensorRT allows one of each kind", two_counts),
    (RegionError, "update: carry %recurrence_0 was already updated (at {file}:{line}); a recurrence has one "
                  "next value", update_twice),
    (RegionError, "Loop: this region was already used in a with block; create a new one", used_twice),
    (RegionError, "collect: loop 'loop_0' has ended (its with block is closed)", after_the_block),
    (RegionError, "carry: the loop does not know its network yet (its trip count is not a tensor, and no "
                  "tensor was given to it before); create it with td.Loop(..., "
                  "network=net)", unknown_network),
    (ArgumentError, "Loop: argument 'trip_count' is 2.5; expected an int, a dim (x.shape[0]) or a 0-D "
                    "int32/int64 Tensor",
     lambda: td.Loop(trip_count=2.5)),
    (ArgumentError, "Loop: argument 'trip_count' is True; expected an int, a dim (x.shape[0]) or a 0-D "
                    "int32/int64 Tensor",
     lambda: td.Loop(trip_count=True)),
    (ArgumentError, "Loop: argument 'trip_count' is -1; expected an int in [0, 9223372036854775807]",
     lambda: td.Loop(trip_count=-1)),
    (ArgumentError, "Loop: argument 'trip_count' is 9223372036854775808; expected an int in [0, "
                    "9223372036854775807]",
     lambda: td.Loop(trip_count=2**63)),
    (ArgumentError, "Loop: argument 'length' is 2.0; expected an int, a dim (x.shape[0]) or a 0-D "
                    "int32/int64 Tensor",
     collect_with_length(2.0)),
    (DTypeError, "TripLimit[COUNT]: input 'limit' has dtype float32; expected a 0-D int32 or int64 trip "
                 "count",
     count_tensor(F, ())),
    (ShapeError, "TripLimit[COUNT]: input 'limit' has shape (1,); expected a 0-D int32 or int64 trip count",
     count_tensor(td.int32, (1,))),
    (ArgumentError, "trip_limit: argument 'kind' is 'UNTIL'; expected one of COUNT, WHILE",
     lambda: td.Loop().trip_limit(1, "UNTIL")),
    # the functional forms
    (RegionError, "scan: the carry f returns must have the dtypes and shapes of init; they differ in:\n  "
                  "carry['a']: shape (2,) in init but () in the carry f returns\n  carry['b']: dtype int32 "
                  "in init but float32 in the carry f returns\nCast or reshape the body's results to match "
                  "(a loop carry keeps its dtype and shape: TensorRT's rule).", scan_mismatch),
    (RegionError, "scan: the carry f returns must have the structure of init: init is * but the carry f "
                  "returns is (*, *)", scan_structure),
    (RegionError, "scan: f must return a pair (carry, y); it returned a Tensor (f32[2])", scan_not_pair),
    (RegionError, "scan: the leading dims of xs differ (3, 4); they must all be the number of iterations",
     scan_lengths),
    (RegionError, "scan: give xs or length (the number of iterations)", scan_nothing),
    (ArgumentError, "scan: argument 'f' is None; expected a function",
     lambda: td.scan(None, np.float32(0), length=3, network=td.Network())),
    (ArgumentError, "scan: argument 'length' is [3]; expected an int, a dim (x.shape[0]) or a 0-D "
                    "int32/int64 Tensor",
     lambda: td.scan(lambda c, _: (c, c), np.float32(0), length=[3], network=td.Network())),
    (ArgumentError, "scan: argument 'reverse' is 'yes'; expected a bool",
     lambda: td.scan(lambda c, _: (c, c), np.float32(0), length=3, reverse="yes", network=td.Network())),
    (ArgumentError, "while_loop: argument 'cond_fun' is True; expected a function",
     lambda: td.while_loop(True, lambda v: v, np.float32(0), network=td.Network())),
    (ArgumentError, "fori_loop: argument 'body_fun' is 0; expected a function",
     lambda: td.fori_loop(0, 3, 0, np.float32(0), network=td.Network())),
    (ArgumentError, "fori_loop: argument 'upper' is 9223372036854775808; expected an int within int64's "
                    "range",
     lambda: td.fori_loop(0, 2**63, lambda i, v: v, np.float32(0), network=td.Network())),
    (RegionError, "scan: init holds a str ('zero'); expected Tensors (or numbers) in tuples, lists and dicts",
     scan_bad_init),
    (DTypeError, "scan: argument 'init' has dtype float64, which TensorRT does not have; convert it first "
                 "(e.g. .astype(np.float32))",
     lambda: td.scan(lambda c, _: (c, c), np.zeros(2), length=3, network=td.Network())),
    (RegionError, "while_loop: cond_fun must return a 0-D bool Tensor; it returned bool[3]", while_loop_bool),
    (RegionError, "while_loop: body_fun's result must have the dtypes and shapes of init_val; they differ "
                  "in:\n  carry: shape (3,) in init_val but () in body_fun's result\nCast or reshape the "
                  "body's results to match (a loop carry keeps its dtype and shape: TensorRT's "
                  "rule).", while_loop_shape),
    (ArgumentError, "fori_loop: argument 'lower' is 0.5; expected an int, a dim (x.shape[0]) or a 0-D "
                    "int32/int64 Tensor", fori(0.5, 3)),
    (DTypeError, "fori_loop: argument 'upper' is f32[]; expected an int, a dim (x.shape[0]) or a 0-D "
                 "int32/int64 Tensor", fori(0, "n")),
    # networks built layer by layer (checked by the region analysis)
    (RegionError, "unclear nesting: loop 'loop_0' and loop 'loop_1' each use values computed inside the "
                  "other; TensorRT infers nesting from data flow and rejects this (first boundary layer: "
                  "trip_limit_0)",
     raw_unclear_nesting),
    (RegionError, "Recurrence (layer recurrence_0): %prod_0 is computed inside loop 'loop_1', which is "
                  "nested in loop 'loop_0'; use loop 'loop_1''s outputs "
                  "instead", raw_inner_value_to_outer_recurrence),
    (RegionError, "LoopOutput[LAST_VALUE] (layer loop_output_0): LAST_VALUE needs a recurrence of loop "
                  "'loop_0', but %prod_1 is not one (use loop.collect for other values, or carry the value)",
     raw_last_value_of_a_product),
    (RegionError, "Recurrence (layer recurrence_0): the recurrence of loop 'loop_0' has no next value (input "
                  "1); set it with carry.update(next) (TensorRT's setInput(1, "
                  "next))", raw_recurrence_without_next),
    (RegionError, "TripLimit[COUNT] (layer trip_limit_0): %recurrence_0 is computed inside loop 'loop_0'; a "
                  "COUNT trip limit must be available before the loop starts", raw_count_inside),
    (RegionError, "output 'y': %y is computed inside loop 'loop_0'; TensorRT does not allow a network output "
                  "inside a loop or conditional (mark the region's result instead)", raw_output_inside),
    (RegionError, "loop 'loop_0' has no trip limit; TensorRT needs a COUNT or a WHILE limit (first boundary "
                  "layer: recurrence_0)", raw_no_trip_limit),
    (RegionError, "TripLimit[COUNT] (layer trip_limit_1): loop 'loop_0' already has a COUNT trip limit "
                  "(trip_limit_0); TensorRT allows one of each kind", raw_two_counts),
    (RegionError, "TripLimit[WHILE] (layer trip_limit_0): the WHILE condition depends on Iterator layer "
                  "iterator_0; TensorRT computes it only from the loop's recurrences (and values from "
                  "outside the loop), without iterators or nested loops", raw_while_on_iterator),
    (RegionError, "Iterator (layer iterator_0): a reverse iterator reads x[M-1-i] where M is the COUNT trip "
                  "count, but loop 'loop_0' has no COUNT trip limit", raw_reverse_without_count),
    (RegionError, "LoopOutput[CONCATENATE] (layer loop_output_0): %prod_0 is not computed inside loop "
                  "'loop_0' (it does not depend on the loop's iterators or recurrences); TensorRT requires a "
                  "loop output's value to come from inside the loop", raw_collect_invariant),
    (RegionError, "ElementWise[SUM] (layer sum_0): uses values computed inside loop 'loop_0' and inside loop "
                  "'loop_1', which are not nested in one another; a value leaves a loop only through a loop "
                  "output (loop.collect/loop.last) and a conditional only through a conditional output "
                  "(branch.output)",
     raw_siblings_mixed),
    (RegionError, "ElementWise[SUM] (layer sum_0): uses %y, a result of loop 'loop_0', inside that region; a "
                  "region's results exist only after it ends", raw_result_used_inside),
    (ExecutionError, "LoopOutput[CONCATENATE] (layer loop_output_0) of loop 'loop_0': the length input is 2 "
                     "but the loop ran 3 iterations; TensorRT reports this as an "
                     "error", raw_length_too_short),
    (ExecutionError, "LoopOutput[CONCATENATE] (layer loop_output_0) of loop 'loop_0': %cond_output_0 "
                     "(f32[if_0#2|3]) has shape (3,) in iteration 1 but (2,) in iteration 0; TensorRT "
                     "concatenates values of one shape", collect_of_varying_shape),
    (ArgumentError, "LoopOutput[LAST_VALUE]: argument 'length' is 3; expected None",
     raw_op(lambda a: LoopOutputLayer(a, LoopOutput.LAST_VALUE, 0, 3))),
    (ArgumentError, "LoopOutput[CONCATENATE]: argument 'length' is None; expected the concatenation length",
     raw_op(lambda a: LoopOutputLayer(a, LoopOutput.CONCATENATE))),
    (ArgumentError, "Iterator: argument 'region' is Region(kind='if', index=1, name='if_0'); expected a loop "
                    "Region",
     lambda: IteratorLayer(raw(("loop", "if"))[2][1])),
    (ArgumentError, "Iterator: argument 'axis' is 0.0; expected an "
                    "int", raw_op(lambda a: IteratorLayer(a, 0.0))),
    (ArgumentError, "Iterator: argument 'reverse' is 1; expected a bool",
     raw_op(lambda a: IteratorLayer(a, 0, 1))),
    (ShapeError, "Iterator: input 'x' has shape (); a 0-D tensor cannot be iterated over",
     raw_layer(lambda a: IteratorLayer(a), (F, ()))),
    (ShapeError, "Iterator: axis 2 is out of range for input 'x' of shape (3, 2); expected an axis in [0, 1]",
     raw_layer(lambda a: IteratorLayer(a, 2), (F, (3, 2)))),
    (ArgumentError, "LoopOutput: argument 'axis' is '0'; expected an int",
     raw_op(lambda a: LoopOutputLayer(a, LoopOutput.CONCATENATE, "0", 3))),
    (ArgumentError, "LoopOutput[LAST_VALUE]: has a length input; LAST_VALUE takes only the recurrence",
     raw_layer(lambda a: LoopOutputLayer(a, LoopOutput.LAST_VALUE), (F, ()), (td.int32, ()))),
    (ArgumentError, "LoopOutput[CONCATENATE]: input 'length' is missing; CONCATENATE needs the concatenation "
                    "length (a 0-D int32/int64 tensor defined before the loop)",
     raw_layer(lambda a: LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, 3), (F, ()))),
    (DTypeError, "LoopOutput[REVERSE]: input 'length' is f32[]; expected a 0-D int32 or int64 tensor",
     raw_layer(lambda a: LoopOutputLayer(a, LoopOutput.REVERSE, 0, 3), (F, ()), (F, ()))),
    (ShapeError, "LoopOutput[CONCATENATE]: axis 2 is out of range for a value of shape (3,); expected an "
                 "axis in [0, 1]",
     raw_layer(lambda a: LoopOutputLayer(a, LoopOutput.CONCATENATE, 2, 3), (F, (3,)), (td.int32, ()))),
    (RegionError, "carry: use the loop in a with block (with td.Loop(...) as loop:)",
     lambda: td.Loop(3).carry(np.float32(0))),
    (ArgumentError, "carry: argument 'init' is 'zero'; expected a Tensor, a number or an array",
     carry_of("zero")),
    (ArgumentError, "Loop: argument 'name' is 5; expected a non-empty str of printable characters",
     named_loops(5)),
    (ArgumentError, "Loop: network 'e' already has a region named 'body'", named_loops("body", "body")),
    (RegionError, "loop 'loop_0' is in network 'e' but is given a tensor of network 'other'; a tensor is used "
                  "only in the network that made it: make the value in network 'e' (with its input(...) or "
                  "constant(...)) or build everything in one network",
     loop_over_two_networks),
    (RegionError, "while_loop: no argument is a trtdsl Tensor, so the network is unknown; pass network=net",
     lambda: td.while_loop(lambda v: v > 0, lambda v: v - 1, 3)),
    (RegionError, "scan: xs leaf 1 (%t1) is 0-D; scan slices the leading axis",
     lambda: td.scan(lambda c, x: (c, c), np.float32(0), inputs((F, (3,)), (F, ()))[1])),
    (DTypeError, "fori_loop: 'lower' is int32 but 'upper' is int64; give both the same dtype",
     lambda: td.fori_loop(*inputs((td.int32, ()), (td.int64, ()))[1], lambda i, v: v, np.float32(0))),
]


@pytest.mark.parametrize("cls, message, build", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_loop_gives_exact_message(cls, message, build):
    if "{file}" in message:
        with pytest.raises(cls) as info:
            build()
        location = info.value.message.split("created at " if "created "
                                                             "at " in info.value.message else "(at ")[1]
        file, line = location.split(")")[0].rsplit(":", 1)
        assert file == __file__
        message = message.format(file=file, line=line)
    expect_error(cls, message, build, line=error_line(build))


def test_an_error_in_a_loop_body_names_the_layer_and_the_iteration(monkeypatch):
    from trtdsl.layers.unary import Unary

    original = Unary.reference

    def fails_on_negatives(self, x):
        if (x < 0).any():
            raise ValueError("negative input")
        return original(self, x)

    monkeypatch.setattr(Unary, "reference", fails_on_negatives)
    net = td.Network("e")
    xs = net.input("xs", F, (4,))
    with td.Loop(trip_count=4) as loop:
        ys = loop.collect(td.sqrt(loop.iterate(xs)))  # the sqrt layer
    net.output("ys", ys)
    assert net.run({"xs": np.array([0, 1, 4, 9], np.float32)})["ys"].tolist() == [0, 1, 2, 3]
    with pytest.raises(ExecutionError) as info:
        net.run({"xs": np.array([0, 1, -4, 9], np.float32)})
    assert info.value.message == ("Unary[SQRT] (layer sqrt_0) failed on the NumPy reference on inputs of "
                                  "shapes () (typed f32[]): ValueError: negative input")
    assert info.value.context == "(in iteration 2 of loop 'loop_0')"
    location = info.value.location
    assert (location.file, location.line) == (__file__, line_of("the sqrt layer"))


def test_a_trtdsl_error_in_a_loop_body_names_the_line_of_its_layer():
    net = td.Network("e")
    xs, scales = net.input("xs", F, (3, 2)), net.input("scales", F, (3,))
    with td.Loop(trip_count=3) as loop:
        q = td.quantize(loop.iterate(xs), loop.iterate(scales))  # the quantize layer
        ys = loop.collect(td.dequantize(q, 1.0))
    net.output("ys", ys)
    feeds = {"xs": np.ones((3, 2), np.float32), "scales": np.array([0.5, 0.25, 0.0], np.float32)}
    message = ("Quantize[i8] (layer quantize_0): scale coefficient 0.0 is not finite and positive; TensorRT "
               "requires strictly positive scales (NvInfer.h IQuantizeLayer)")
    expect_error(ExecutionError, message, lambda: net.run(feeds), line=line_of("the quantize layer"))


def test_layer_kinds_not_allowed_in_regions_are_rejected_when_written_and_in_the_ir(monkeypatch):
    """The table of layer kinds trtdsl rejects inside loops and conditionals (only Assertion, whose
    op trtdsl does not have yet), exercised with a kind put in it for the test."""
    from trtdsl.ir import structure

    assert set(structure.NOT_IN_REGIONS) == {"Assertion"}
    monkeypatch.setitem(structure.NOT_IN_REGIONS, "Unary", "the test says so")
    net, (x,) = inputs((F, (3,)))
    outside = td.exp(x)  # outside any region: allowed
    with pytest.raises(RegionError) as info:
        with td.Loop(trip_count=3) as loop:
            td.exp(loop.iterate(x))
    assert info.value.message == "Unary[EXP]: a Unary layer cannot be inside loop 'loop_0': the test says so"
    raw_net, x, (a,) = raw()
    net.output("y", outside)
    it = raw_net.add1(IteratorLayer(a, 0), (x,))
    raw_net.add(TripLimitLayer(a, TripLimit.COUNT), (three(raw_net),))
    exp = td.exp(it)  # the exp layer
    raw_net.output("y", raw_net.add1(LoopOutputLayer(a, LoopOutput.CONCATENATE, 0, 3), (exp, three(raw_net))))
    expect_error(RegionError, "Unary[EXP] (layer exp_0): a Unary layer cannot be inside loop 'loop_0': the "
                              "test says so", lambda: analyze(raw_net), line=line_of("the exp layer"))


def test_table_is_large():
    assert len(ROWS) >= 40
