"""The TensorRT developer guide's conditional example: sum the even items of a list, a loop that
contains an if-conditional.

    def sum_even(items):
        s = 0.0
        for c in items:
            if c % 2 == 0:
                s += c
        return s

The guide exports this function from PyTorch to ONNX; here it is written twice with trtdsl: once with
the builder scopes that mirror TensorRT's ILoop and IIfConditional (td.Loop, td.If), once with the
functional forms (td.scan, td.cond). Both give one loop (an iterator over the items, a recurrence for
the sum) whose body holds a conditional (a condition, conditional inputs for ``s`` and ``c``, and one
conditional output). The number of items is a dynamic dim: the trip count is read from the input's
shape.

Run: python examples/sum_even.py
"""

from __future__ import annotations

import numpy as np

import trtdsl as td


def sum_even(items: np.ndarray) -> float:
    s = 0.0
    for c in items:
        if c % 2 == 0:
            s += c
    return s


def with_scopes() -> td.Network:
    net = td.Network("sum_even")
    items = net.input("items", td.float32, ("n",))
    with td.Loop(trip_count=td.take(td.shape_of(items), 0)) as loop:   # for c in items:
        c = loop.iterate(items)
        s = loop.carry(np.float32(0))                                    # s = 0.0
        with td.If(c % 2 == 0) as branch:                                # if c % 2 == 0:
            with branch.then_():
                more = s + c                                             #     s += c
            s_next = branch.output(more, s)                              # (else: s unchanged)
        s.update(s_next)
        total = loop.last(s)                                             # return s
    net.output("sum", total)
    return net


def with_functions() -> td.Network:
    net = td.Network("sum_even_functional")
    items = net.input("items", td.float32, ("n",))

    def step(s: td.Tensor, c: td.Tensor) -> tuple[td.Tensor, None]:
        return td.cond(c % 2 == 0, lambda: s + c, lambda: s), None

    total, _ = td.scan(step, np.float32(0), items)
    net.output("sum", total)
    return net


def build_network() -> td.Network:
    """The loop written with scopes, for the command line (``trtdsl inspect/run/export``)."""
    return with_scopes()


def main() -> None:
    scoped, functional = with_scopes(), with_functions()
    print(scoped.format(locations=False))
    rng = np.random.default_rng(7)
    for items in (np.array([1, 2, 3, 4], np.float32), np.arange(10, dtype=np.float32),
                  rng.integers(-9, 10, 25).astype(np.float32), np.zeros(0, np.float32)):
        want = sum_even(items)
        got = [float(net.run({"items": items})["sum"]) for net in (scoped, functional)]
        assert got == [want, want], (items, got, want)
        print(f"sum_even({items.tolist()}) = {got[0]:g}   (Python: {want:g})")


if __name__ == "__main__":
    main()
