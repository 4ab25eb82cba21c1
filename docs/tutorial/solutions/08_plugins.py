"""Lesson 8's exercise: a two-input plugin with an int attribute."""

import numpy as np

import trtdsl as td


@td.plugin("tutorial::scaled_sum")
class ScaledSum:
    times: int = 2
    input_dtypes = {"a": (td.float32,), "b": "same as a"}

    def shape(self, a, b):
        return a

    def reference(self, a, b):
        return (np.float32(self.times) * (a + b)).astype(a.dtype)


net = td.Network("scaled_sum")
a = net.input("a", td.float32, (2, 3))
b = net.input("b", td.float32, (2, 3))
net.output("y", ScaledSum(times=3)(a, b))

rng = np.random.default_rng(8)
va, vb = rng.normal(size=(2, 2, 3)).astype(np.float32)
assert np.allclose(net.run({"a": va, "b": vb})["y"], 3 * (va + vb))

try:
    ScaledSum(times=1.5)
except td.DSLError as error:
    print(f"refused: {error}")
else:
    raise AssertionError("times=1.5 was accepted")
