"""Matrix products inside loops: by a weight from outside the loop (which the reference multiplies in a
form made once per run of the loop) and by a matrix the loop changes, against NumPy loops written here."""

import numpy as np

import trtdsl as td


def test_a_product_by_an_outside_weight_and_by_a_changing_matrix():
    steps, rows, k = 3, 4, 512
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((k, k)) / np.sqrt(k)).astype(np.float32)
    net = td.Network("products")
    xs = net.input("xs", td.float32, (steps, rows, k))
    weight = net.input("w", td.float32, (k, k))

    def step(carry, x):
        h, m = carry
        h = td.tanh(x @ weight + h @ m)  # weight: fixed; m: changes every iteration
        m = m * np.float32(0.5)
        return (h, m), h

    _, hs = td.scan(step, (np.zeros((rows, k), np.float32), np.eye(k, dtype=np.float32)), xs)
    net.output("hs", hs)
    xv = rng.standard_normal((steps, rows, k)).astype(np.float32)
    for feeds_w in (w, w * np.float32(-2)):  # a second run with another weight: made again per run
        got = net.run({"xs": xv, "w": feeds_w})["hs"]
        h, m, want = np.zeros((rows, k)), np.eye(k), []
        for x in xv.astype(np.float64):
            h = np.tanh(x @ feeds_w + h @ m)
            m = m * 0.5
            want.append(h)
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)
