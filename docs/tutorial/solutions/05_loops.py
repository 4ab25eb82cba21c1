"""Lesson 5's exercise: an exponential moving average with td.scan, against a Python loop."""

import numpy as np

import trtdsl as td

net = td.Network("ema")
xs = net.input("xs", td.float32, ("T", 4))
first = xs[0]


def step(y, x):
    y = y * 0.9 + x * 0.1
    return y, y


_, rest = td.scan(step, first, xs[1:])
net.output("ys", td.concatenate([first[None], rest], axis=0))

rng = np.random.default_rng(6)
for steps in (1, 2, 10):
    sequence = rng.normal(size=(steps, 4)).astype(np.float32)
    expected = [sequence[0]]
    for x in sequence[1:]:
        expected.append(np.float32(0.9) * expected[-1] + np.float32(0.1) * x)
    got = net.run({"xs": sequence})["ys"]
    assert np.allclose(got, np.stack(expected), atol=1e-6), steps
print("the moving average matches a Python loop")
