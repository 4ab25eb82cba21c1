"""The textual IR of loops (indented blocks, golden files) and how a raw network's regions print."""

import os
import pathlib

import numpy as np

import trtdsl as td
from trtdsl.ir.region import new_region
from trtdsl.loops.ops import RecurrenceLayer, TripLimit, TripLimitLayer

GOLDEN = pathlib.Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/loops/golden/<name>; TRTDSL_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("TRTDSL_UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text()


def nested_network() -> td.Network:
    """Row sums of a matrix where each row's items are doubled when even: a loop holding a loop that
    holds a conditional, plus a loop-invariant layer written in the body (printed before the loop)."""
    net = td.Network("nested")
    a = net.input("a", td.float32, ("rows", 3))
    scale = net.input("scale", td.float32, ())
    with td.Loop(trip_count=td.take(td.shape_of(a), 0), name="rows") as rows:
        row = rows.iterate(a)
        factor = scale * 2.0  # loop-invariant
        with td.Loop(trip_count=3, name="items") as items:
            item = items.iterate(row)
            acc = items.carry(np.float32(0))
            acc.update(acc + td.cond(item % 2 == 0, lambda: item * factor, lambda: item))
            total = items.last(acc)
        sums = rows.collect(total, reverse=True)
    net.output("sums", sums)
    return net


def test_nested_regions_print_as_indented_blocks():
    check_golden("nested.txt", nested_network().format(locations=False))


def test_nested_network_runs():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    got = nested_network().run({"a": a, "scale": np.float32(1.5)})["sums"]
    want = [sum(v * 3.0 if v % 2 == 0 else v for v in row) for row in a][::-1]
    assert got.tolist() == want


def test_a_network_with_invalid_regions_prints_flat():
    net = td.Network("raw")
    x = net.input("x", td.float32, (2,))
    loop = new_region(net, "loop", None)
    net.add(TripLimitLayer(loop, TripLimit.COUNT), (net.constant(np.int32(2)),))
    net.add1(RecurrenceLayer(loop), (x,))  # no next value yet: TensorRT would reject the loop
    assert net.format(locations=False).splitlines()[2:5] == [
        "  %constant_0 : i32[] = Constant(weights=i32[] 2)",
        "  TripLimit[COUNT](%constant_0)",
        "  %recurrence_0 : f32[2] = Recurrence(%x)",
    ]
