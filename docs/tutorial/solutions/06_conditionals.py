"""Lesson 6's exercise: a reciprocal taken only when it is safe, against a Python if."""

import numpy as np

import trtdsl as td

net = td.Network("safe_reciprocal")
x = net.input("x", td.float32, (3,))
safe = td.min(td.abs(x)) > 1e-3
net.output("y", td.cond(safe, lambda: 1.0 / x, lambda: x))


def expected(v: np.ndarray) -> np.ndarray:
    if np.abs(v).min() > 1e-3:
        return np.float32(1) / v
    return v


for value in ([2.0, -4.0, 0.5], [2.0, 0.0, 0.5]):
    v = np.array(value, np.float32)
    assert np.array_equal(net.run({"x": v})["y"], expected(v)), value
print("the safe reciprocal matches a Python if")
