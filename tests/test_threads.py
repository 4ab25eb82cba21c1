"""Networks defined in several threads at once: each thread's loops and conditionals stay in its own
network, and each network computes what its Python for/if says."""

import sys
import threading

import numpy as np

import trtdsl as td

THREADS = 8
ROUNDS = 4
LENGTH = 6


def define(k: int) -> td.Network:
    """For thread ``k``: a loop over ``xs`` whose body holds a conditional on the item, a collected
    running value, a nested loop, and a ``td.cond`` after the loop."""
    net = td.Network(f"thread_{k}")
    xs = net.input("xs", td.float32, (LENGTH,))
    with td.Loop(trip_count=LENGTH) as loop:
        x = loop.iterate(xs)
        total = loop.carry(np.float32(0))
        with td.If(x > float(k)) as branch:
            with branch.then_():
                added = total + x
            with branch.else_():
                lowered = total - 1.0
            after = branch.output(added, lowered)
        total.update(after)
        running = loop.collect(after)
        with td.Loop(trip_count=k % 3 + 1) as inner:
            power = inner.carry(x)
            power.update(power * 2.0)
            doubled = inner.last(power)
        doubling = loop.collect(doubled)
        final = loop.last(total)
    net.output("running", running)
    net.output("doubling", doubling)
    net.output("signed", td.cond(final > 0, lambda t: t * float(k + 1), lambda t: -t, final))
    return net


def expected(k: int, xs: np.ndarray) -> dict[str, np.ndarray]:
    total = np.float32(0)
    running, doubling = [], []
    for x in xs:
        if x > k:
            total = total + x
        else:
            total = total - np.float32(1)
        running.append(total)
        doubling.append(x * np.float32(2) ** (k % 3 + 1))
    signed = total * np.float32(k + 1) if total > 0 else -total
    return {"running": np.array(running, np.float32), "doubling": np.array(doubling, np.float32),
            "signed": np.float32(signed)}


def at_once(work):
    """``work(k)`` for each thread ``k``, the threads started together and switching often (so that their
    work interleaves), ``ROUNDS`` times; yields each round's results by thread, after checking that no
    thread raised."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(ROUNDS):
            barrier = threading.Barrier(THREADS)
            results: dict[int, object] = {}

            def run(k: int) -> None:
                barrier.wait()
                try:
                    results[k] = work(k)
                except Exception as exc:  # noqa: BLE001  reported by the main thread below
                    results[k] = exc

            threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for k in range(THREADS):
                assert not isinstance(results[k], Exception), f"thread {k}: {results[k]!r}"
            yield results
    finally:
        sys.setswitchinterval(interval)


def test_networks_defined_in_threads_at_once_keep_their_own_regions():
    xs = np.array([3.0, -1.0, 7.5, 0.5, 5.0, 2.0], np.float32)

    def work(k):
        net = define(k)
        return net, net.run({"xs": xs})

    for results in at_once(work):
        for k, (net, got) in results.items():
            assert [r.kind for r in net.regions] == ["loop", "if", "loop", "if"], (k, net.regions)
            want = expected(k, xs)
            assert got.keys() == want.keys()
            for name in want:
                np.testing.assert_array_equal(got[name], want[name], err_msg=f"thread {k}: {name}")


def test_one_network_runs_its_loop_in_threads_at_once_each_with_its_own_sizes():
    """Threads running one network (one plan) at once with different batch sizes: each run of the loop
    works with its own preparation (products by fixed weights, the hoisted input projection)."""
    rng = np.random.default_rng(0)
    hidden, steps = 512, 3  # h's weight of 512 x 512: the transposed form for a fixed matrix
    w = (rng.standard_normal((2 * hidden, hidden)) / np.sqrt(2 * hidden)).astype(np.float32)
    net = td.Network("shared")
    xs = net.input("xs", td.float32, (steps, "batch", hidden))

    def step(h, x):
        h = td.tanh(td.concatenate([x, h], axis=1) @ w)
        return h, h

    _, hs = td.scan(step, net.constant(np.zeros((1, hidden), np.float32)) * xs[0], xs)
    net.output("hs", hs)
    feeds = {k: rng.standard_normal((steps, k + 1, hidden)).astype(np.float32) for k in range(THREADS)}
    wants = {}
    for k, x in feeds.items():
        h, want = np.zeros((k + 1, hidden)), []
        for item in x.astype(np.float64):
            h = np.tanh(np.concatenate([item, h], axis=1) @ w)
            want.append(h)
        wants[k] = np.array(want)
    for results in at_once(lambda k: net.run({"xs": feeds[k]})["hs"]):
        for k, got in results.items():
            np.testing.assert_allclose(got, wants[k], rtol=1e-4, atol=1e-5, err_msg=f"thread {k}")
