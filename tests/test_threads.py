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


def test_networks_defined_in_threads_at_once_keep_their_own_regions():
    xs = np.array([3.0, -1.0, 7.5, 0.5, 5.0, 2.0], np.float32)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that definitions interleave
    try:
        for _ in range(ROUNDS):
            barrier = threading.Barrier(THREADS)
            results: dict[int, object] = {}

            def work(k: int) -> None:
                barrier.wait()
                try:
                    net = define(k)
                    results[k] = (net, net.run({"xs": xs}))
                except Exception as exc:  # noqa: BLE001  reported by the main thread below
                    results[k] = exc

            threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for k in range(THREADS):
                result = results[k]
                assert not isinstance(result, Exception), f"thread {k}: {result!r}"
                net, got = result
                assert [r.kind for r in net.regions] == ["loop", "if", "loop", "if"], (k, net.regions)
                want = expected(k, xs)
                assert got.keys() == want.keys()
                for name in want:
                    np.testing.assert_array_equal(got[name], want[name], err_msg=f"thread {k}: {name}")
    finally:
        sys.setswitchinterval(interval)
