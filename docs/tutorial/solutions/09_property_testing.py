"""Lesson 9's exercise: a property test of lesson 4's last-half mean, against NumPy."""

import numpy as np
from hypothesis import given, settings

import trtdsl as td
from trtdsl.testing import assert_networks_close
from trtdsl.testing import strategies as tst

net = td.Network("last_half_mean")
x = net.input("x", td.float32, ("batch", "seq", 4))
seq = x.shape[1]
net.output("y", td.mean(x[:, seq - seq // 2:], axis=1))


def numpy_formula(network, feeds):
    value = feeds["x"].astype(np.float64)
    length = value.shape[1]
    return {"y": value[:, length - length // 2:].mean(axis=1).astype(np.float32)}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(tst.inputs(net, dims={"batch": (1, 4), "seq": (2, 16)}, values={"x": (-10, 10)}))
def test_last_half_mean(feeds):
    assert_networks_close(net, feeds, backends=("reference", numpy_formula), atol=1e-4)


test_last_half_mean()
print("40 drawn inputs agree with NumPy")
