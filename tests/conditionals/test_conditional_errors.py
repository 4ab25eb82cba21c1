"""The error table for conditionals: invalid conditionals, each with the exact message it must produce
at the user's line (DSL rows when written; IR rows from the region analysis of networks built layer
by layer)."""

import numpy as np
import pytest
from support import error_line, expect_error, inputs

import trtdsl as td
from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
from trtdsl.errors import ArgumentError, DTypeError, RegionError, ShapeError
from trtdsl.ir.region import new_region
from trtdsl.loops.ops import LoopOutput, LoopOutputLayer, RecurrenceLayer, TripLimit, TripLimitLayer
from trtdsl.regions import analyze

F = td.float32


def with_condition(dtype, shape):
    def build():
        _, (c,) = inputs((dtype, shape))
        with td.If(c):
            pass
    return build


def output_of_other_network():
    _, (b,) = inputs((td.bool, ()))
    other = td.Network("other").input("y", F, (3,))
    with td.If(b) as branch:
        branch.output(other, other)


def if_named(name):
    def build():
        _, (b,) = inputs((td.bool, ()))
        with td.If(b, name=name) as branch:
            branch.output(np.float32(1), np.float32(0))
    return build


def branches(then_fn, else_fn, x_spec=(F, (3,))):
    """A conditional on a bool input whose branches compute ``then_fn(x)`` and ``else_fn(x)``."""
    def build():
        _, (x, b) = inputs(x_spec, (td.bool, ()))
        with td.If(b) as branch:
            with branch.then_():
                t = then_fn(x)
            with branch.else_():
                f = else_fn(x)
            branch.output(t, f)
    return build


def cross_edge():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            t = x * 2.0
        with branch.else_():
            f = t - 1.0
        branch.output(t, f)


def swapped_outputs():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            t = x * 2.0
        with branch.else_():
            f = x - 1.0
        branch.output(f, t)


def no_output():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            x * 2.0


def layer_in_body():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b):
        x + x


def leak():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            t = x * 2.0
        branch.output(t, x)
    return t + 1.0


def result_inside():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        out = branch.output(x, x)
        with branch.else_():
            out + 1.0


def then_twice():
    _, (_, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            pass
        with branch.then_():
            pass


def else_inside_then():
    _, (_, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            with branch.else_():
                pass


def output_in_branch():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            branch.output(x * 2.0, x)


def eager_in_body():
    _, (_, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.eager():
            pass


def eager_on_branch_value():
    _, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            t = x * 2.0
            with branch.eager():
                t + 1.0


def network_output_in_branch():
    net, (x, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        with branch.then_():
            net.output("t", x * 2.0)


def output_of_conditional_in_loop():
    net, (x,) = inputs((F, (3,)))
    with td.Loop(trip_count=3) as loop:
        v = loop.iterate(x)
        with td.If(v > 0) as branch:
            with branch.then_():
                t = v * 2.0
            out = branch.output(t, v)
        net.output("out", out)


def text_value():
    _, (_, b) = inputs((F, (3,)), (td.bool, ()))
    with td.If(b) as branch:
        branch.output("yes", "no")


def cond_of(true_fn, false_fn):
    def build():
        _, (x, b) = inputs((F, (3,)), (td.bool, ()))
        td.cond(b, true_fn(x), false_fn(x))
    return build


# Networks built layer by layer.
def raw(build):
    def run():
        net = td.Network("raw")
        x = net.input("x", F, (3,))
        b = net.input("b", td.bool, ())
        build(net, x, b, new_region(net, "if", None))
        analyze(net)
    return run


def two_conditions(net, x, b, c):
    net.add(ConditionLayer(c), (b,))
    net.add(ConditionLayer(c), (b,))  # located
    i = net.add1(ConditionalInputLayer(c), (x,))
    net.output("y", net.add1(ConditionalOutputLayer(c), (i * 2.0, i)))


def no_outputs(net, x, b, c):
    net.add(ConditionLayer(c), (b,))  # located
    net.add1(ConditionalInputLayer(c), (x,))
    net.output("y", x + 1.0)


def shared_by_both_branches(net, x, b, c):
    net.add(ConditionLayer(c), (b,))
    shared = net.add1(ConditionalInputLayer(c), (x,)) * 2.0  # located
    net.output("y", net.add1(ConditionalOutputLayer(c), (shared + 1.0, shared - 1.0)))


def condition_inside(net, x, b, c):
    i = net.add1(ConditionalInputLayer(c), (b,))
    net.add(ConditionLayer(c), (i,))  # located
    net.output("y", net.add1(ConditionalOutputLayer(c), (x, x)))


def output_inside(net, x, b, c):
    net.add(ConditionLayer(c), (b,))
    i = net.add1(ConditionalInputLayer(c), (x,))
    net.add1(ConditionalOutputLayer(c), (i, i))
    net.output("y", i * 2.0)  # located


def loop_result_in_branch_output(net, x, b, c):
    """A loop inside the true branch whose interior value leaves through the conditional's output."""
    loop = new_region(net, "loop", None)
    net.add(ConditionLayer(c), (b,))
    i = net.add1(ConditionalInputLayer(c), (x,))
    net.add(TripLimitLayer(loop, TripLimit.COUNT), (net.constant(np.int32(2)),))
    r = net.add1(RecurrenceLayer(loop), (i,))
    net.set_input(r.producer, 1, r * 2.0)
    net.add1(LoopOutputLayer(loop, LoopOutput.LAST_VALUE), (r,))
    net.output("y", net.add1(ConditionalOutputLayer(c), (r * 2.0, i)))  # located


ROWS = [
    (ShapeError, "Condition: input 'condition' is bool[2]; expected a 0-D bool tensor (compare with a scalar "
                 "and reduce, e.g. td.max(x) > 0)", with_condition(td.bool, (2,))),
    (DTypeError, "Condition: input 'condition' is f32[]; expected a 0-D bool tensor (compare with a scalar "
                 "and reduce, e.g. td.max(x) > 0)", with_condition(F, ())),
    (DTypeError, "If: argument 'condition' is True; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.If(True)),
    (RegionError, "output: %y belongs to network 'other' but is used in network 'e'; a tensor is used only in "
                  "the network that made it: make the value in network 'e' (with its input(...) or "
                  "constant(...)) or build everything in one network", output_of_other_network),
    (ArgumentError, "If: argument 'name' is ''; expected a non-empty str of printable characters",
     if_named("")),
    (ArgumentError, "cond: argument 'true_fn' is 1.0; expected a function",
     lambda: td.cond(inputs((td.bool, ()))[1][0], 1.0, lambda: 0.0)),
    (ArgumentError, "cond: argument 'false_fn' is None; expected a function",
     lambda: td.cond(inputs((td.bool, ()))[1][0], lambda: 1.0, None)),
    (DTypeError, "ConditionalOutput: the true branch's value has dtype float32 but the false branch's value "
                 "has dtype int32; TensorRT requires both branches to give the same dtype and rank (output "
                 "0 of conditional 'if_0': then value %prod_0, else value %cast_0)",
     branches(lambda x: x * 2.0, lambda x: td.cast(x, td.int32))),
    (ShapeError, "ConditionalOutput: the true branch's value has shape (3,) but the false branch's value has "
                 "shape (1, 3); TensorRT requires both branches to give the same dtype and rank (output 0 "
                 "of conditional 'if_0': then value %t0, else value %shuffle_0)",
     branches(lambda x: x, lambda x: x.reshape(1, 3))),
    (DTypeError, "ConditionalOutput: the branches' values have dtype int64; a conditional's outputs must be "
                 "one of bool, int32, float16, float32, bfloat16 (cast it with td.cast) (output 0 of "
                 "conditional 'if_0': then value %prod_0, else value %sum_0)",
     branches(lambda x: x * 2, lambda x: x + 1, (td.int64, (3,)))),
    (RegionError, "ElementWise[SUB]: %prod_0 is computed in the then branch of conditional 'if_0'; TensorRT "
                  "allows no edges between the two branches (compute it before the conditional, or in both "
                  "branches)",
     cross_edge),
    (RegionError, "output: %sub_0 is computed in the else branch of conditional 'if_0'; TensorRT allows no "
                  "edges between the two branches (compute it before the conditional, or in both branches)",
     swapped_outputs),
    (RegionError, "conditional 'if_0' has no output: call branch.output(then_value, else_value) in its with "
                  "block (TensorRT requires at least one)", no_output),
    (RegionError, "ElementWise[SUM]: inside `with td.If(...)`, create layers in branch.then_() or "
                  "branch.else_() (or before the conditional)", layer_in_body),
    (RegionError, "ElementWise[SUM]: %prod_0 is computed inside conditional 'if_0', whose with block has "
                  "ended; a value leaves a loop only through loop.collect/loop.last and a conditional only "
                  "through branch.output", leak),
    (RegionError, "ElementWise[SUM]: %cond_output_0 is a result of conditional 'if_0', available only after "
                  "its with block ends", result_inside),
    (RegionError, "then_: conditional 'if_0' already has this branch; write it in one block", then_twice),
    (RegionError, "else_: call it directly in the with block of conditional 'if_0', not inside a nested loop "
                  "or conditional", else_inside_then),
    (RegionError, "output: call it directly in the with block of conditional 'if_0', not inside a nested "
                  "loop or conditional", output_in_branch),
    (RegionError, "eager: use it directly inside branch.then_() or branch.else_() of conditional 'if_0'",
     eager_in_body),
    (RegionError, "ElementWise[SUM]: %prod_0 is computed inside conditional 'if_0'; branch.eager() computes "
                  "outside the conditional, so it can use only values from outside "
                  "it", eager_on_branch_value),
    (RegionError, "output 't': %prod_0 is computed inside conditional 'if_0'; TensorRT does not allow a "
                  "network output inside a loop or conditional (mark the region's result, from "
                  "loop.collect/loop.last or branch.output, after its with block)", network_output_in_branch),
    (RegionError, "output 'out': %cond_output_0 is computed inside loop 'loop_0'; TensorRT does not allow a "
                  "network output inside a loop or conditional (mark the region's result, from "
                  "loop.collect/loop.last or branch.output, after its with "
                  "block)", output_of_conditional_in_loop),
    (ArgumentError, "output: argument 'then_value' is 'yes'; expected a Tensor, a number or an "
                    "array", text_value),
    (RegionError, "cond: false_fn's result must have the dtypes and shapes of true_fn's result; they differ "
                  "in:\n  result[0]: dtype float32 in true_fn's result but int32 in false_fn's result\n  "
                  "result[1]['a']: shape (3,) in true_fn's result but (2,) in false_fn's result\ntd.cond gives "
                  "results of one type: cast or reshape them (td.If's branch.output takes dims that differ: "
                  "TensorRT needs the same dtype and rank).",
     cond_of(lambda x: lambda: (x, {"a": x}), lambda x: lambda: (td.cast(x, td.int32), {"a": x[:2]}))),
    (RegionError, "cond: false_fn's result must have the structure of true_fn's result: true_fn's result is "
                  "(*, *) but false_fn's result is [*, "
                  "*]", cond_of(lambda x: lambda: (x, x), lambda x: lambda: [x, x])),
    (RegionError, "cond: true_fn's result holds a float (1.0); expected trtdsl Tensors in tuples, lists and "
                  "dicts",
     cond_of(lambda x: lambda: 1.0, lambda x: lambda: x)),
    (RegionError, "cond: the branches return no tensor; a conditional needs at least one output",
     cond_of(lambda x: lambda: None, lambda x: lambda: None)),
    (DTypeError, "cond: argument 'pred' is 1; expected a trtdsl "
                 "Tensor; turn an array or a number into one with "
                 "net.constant(...)", lambda: td.cond(1, lambda: 0, lambda: 1)),
    (RegionError, "Condition (layer condition_1): conditional 'if_0' has 2 Condition layers; TensorRT needs "
                  "exactly one", raw(two_conditions)),
    (RegionError, "conditional 'if_0' has no output; TensorRT needs at least one ConditionalOutput "
                  "(branch.output(then_value, else_value))", raw(no_outputs)),
    (RegionError, "ElementWise[PROD] (layer prod_0): both branches of conditional 'if_0' use it; TensorRT "
                  "allows no edges between the true branch and the false branch (compute it before the "
                  "conditional, or once in each branch)", raw(shared_by_both_branches)),
    (RegionError, "Condition (layer condition_0): %cond_input_0 is computed inside conditional 'if_0'; the "
                  "condition must be computed outside the conditional", raw(condition_inside)),
    (RegionError, "output 'y': %y is computed inside conditional 'if_0'; TensorRT does not allow a network "
                  "output inside a loop or conditional (mark the region's result "
                  "instead)", raw(output_inside)),
    (RegionError, "ConditionalOutput (layer cond_output_0): %prod_1 is computed inside loop 'loop_0', which "
                  "is nested in conditional 'if_0'; use loop 'loop_0''s outputs "
                  "instead", raw(loop_result_in_branch_output)),
    (ArgumentError, "ConditionalInput: argument 'region' is Region(kind='loop', index=0, name='loop_0'); "
                    "expected an if-conditional "
                    "Region", lambda: ConditionalInputLayer(new_region(td.Network(), "loop", None))),
]


@pytest.mark.parametrize("cls, message, build", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_conditional_gives_exact_message(cls, message, build):
    expect_error(cls, message, build, line=error_line(build))


def test_table_is_large():
    assert len(ROWS) >= 30
