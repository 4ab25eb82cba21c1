"""Lesson 2's exercise: the remainder of TensorRT's truncating integer division is C's fmod."""

import numpy as np

import trtdsl as td

net = td.Network("remainder")
a = net.input("a", td.int32, ("n",))
b = net.input("b", td.int32, ("n",))
net.output("r", a - b * (a / b))

pairs = np.array([(x, y) for x in range(-7, 8) for y in (-3, -2, 2, 3)], np.int32)
r = net.run({"a": pairs[:, 0], "b": pairs[:, 1]})["r"]
assert (r == np.fmod(pairs[:, 0], pairs[:, 1])).all()
differs = r != pairs[:, 0] % pairs[:, 1]
opposite = (np.sign(pairs[:, 0]) * np.sign(pairs[:, 1]) < 0) & (pairs[:, 0] % pairs[:, 1] != 0)
assert (differs == opposite).all()
print(f"{differs.sum()} of {len(pairs)} pairs differ from Python's %")
