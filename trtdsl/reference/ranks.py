"""Runs a network as ``n`` ranks in one process, exchanging data at its collective layers.

Each rank runs the network in a thread of its own, on its own inputs, with the ordinary interpreter. At a
DistCollective layer the rank hands its input to a rendezvous and waits; when every rank of the layer's
group waits at that same layer, the rendezvous computes the collective once (``DistCollective.exchange``)
and gives each rank its output. A rank never waits forever: when no rank can go on (all that have not
finished wait, and no group is complete -- ranks that reached different collectives, or a rank that
finished its run while others wait for it), every waiting rank fails with an ExecutionError that says
where each rank is. ``net.run([inputs of rank 0, inputs of rank 1, ...], ranks=n)`` calls :func:`run_ranks`.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Sequence

import numpy as np

from trtdsl.errors import BackendError, DSLError, ExecutionError, InputError
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.layers._common import is_int
from trtdsl.layers.dist_collective import DistCollective, Exchange, set_exchange
from trtdsl.reference.interpreter import bind_inputs, execute, own_outputs, plan


class _Stuck(ExecutionError):
    """No rank can go on: raised in every waiting rank (the run reports another rank's own failure
    first, when one caused it)."""


class Rendezvous:
    """Where the ranks of one run meet at collective layers."""

    def __init__(self, network: Network, ranks: int) -> None:
        self.ranks = ranks
        self.cond = threading.Condition()
        self.waiting: dict[int, tuple[DistCollective, np.ndarray]] = {}
        self.results: dict[int, np.ndarray] = {}
        self.finished: set[int] = set()
        self.nodes: dict[int, Node] = {id(n.op): n for n in network.nodes if isinstance(n.op, DistCollective)}

    def exchange_for(self, rank: int) -> Exchange:
        return lambda op, x: self.arrive(rank, op, x)

    def arrive(self, rank: int, op: DistCollective, x: np.ndarray) -> np.ndarray:
        """Rank ``rank``'s output of the collective ``op`` on its input ``x``, once its group is here."""
        members = op.members()
        if rank not in members:
            raise ExecutionError(f"{op.label()}: rank {rank} reached the layer but is not one of its group "
                                 f"{list(members)}; what a rank outside the group computes is not defined")
        with self.cond:
            self.waiting[rank] = (op, x)
            if all(self.waiting.get(m, (None,))[0] is op for m in members):
                outputs = op.exchange([self.waiting.pop(m)[1] for m in members])
                self.results.update(zip(members, outputs))
                self.cond.notify_all()
            while rank not in self.results:
                stuck = self._stuck(rank)
                if stuck is not None:
                    raise stuck
                self.cond.wait()
            return self.results.pop(rank)

    def leave(self, rank: int) -> None:
        """Rank ``rank`` finished its run (or failed): ranks waiting for it can no longer be served."""
        with self.cond:
            self.finished.add(rank)
            self.cond.notify_all()

    def _stuck(self, rank: int) -> _Stuck | None:
        """None while some rank can still go on; else the error for waiting rank ``rank``."""
        running = [r for r in range(self.ranks) if r not in self.finished and r not in self.waiting]
        if running:
            return None
        op = self.waiting[rank][0]
        where = []
        for r in range(self.ranks):
            if r == rank:
                continue
            if r in self.waiting:
                node = self.nodes.get(id(self.waiting[r][0]))
                at = f" (created at {node.location})" if node is not None and node.location else ""
                where.append(f"rank {r} waits at layer {node.name if node else '?'}{at}")
            else:
                where.append(f"rank {r} has finished its run")
        return _Stuck(f"{op.label()}: rank {rank} waits here with group {list(op.members())}, but no rank can "
                      f"go on: {'; '.join(where)}. Every rank of a group must reach the same collective layer")


def check_ranks(network: Network, ranks: int) -> None:
    """Every collective layer of ``network`` fits a run of ``ranks`` ranks: its ``ranks`` is the run's (or
    its group lists rank ids below it)."""
    for node in network.nodes:
        op = node.op
        if not isinstance(op, DistCollective):
            continue
        at = f" (created at {node.location})" if node.location else ""
        if not op.groups and op.ranks != ranks:
            raise InputError(f"run: layer {node.name}{at} is a collective of ranks={op.ranks}, but the run "
                             f"has ranks={ranks}")
        if op.groups and max(op.groups) >= ranks:
            raise InputError(f"run: layer {node.name}{at} has groups {list(op.groups)}, with rank ids beyond "
                             f"the run's ranks={ranks} (ids 0 to {ranks - 1})")


def run_ranks(network: Network, inputs: Any, ranks: Any, **options: Any) -> list[dict[str, np.ndarray]]:
    """Run ``network`` as ``ranks`` ranks, rank ``r`` on ``inputs[r]`` (input name -> array); returns the
    outputs of each rank, in rank order."""
    if options:
        raise BackendError(f"run: the reference backend takes no options, got {sorted(options)}")
    if not is_int(ranks) or ranks < 1:
        raise InputError(f"run: ranks is {ranks!r}; expected an int >= 1, the number of ranks")
    if isinstance(inputs, (Mapping, str, bytes)) or not isinstance(inputs, Sequence) or len(inputs) != ranks:
        got = f"a list of {len(inputs)}" if isinstance(inputs, Sequence) and not isinstance(inputs, str) \
            else f"a {type(inputs).__name__}"
        raise InputError(f"run: with ranks={ranks}, inputs must be a list of {ranks} dicts (input name -> "
                         f"array), one per rank; got {got}")
    if not network.outputs:
        raise InputError(f"run: network {network.name!r} has no outputs; mark some with net.output(name, "
                         "tensor)")
    check_ranks(network, int(ranks))
    bound = []
    for r, feeds in enumerate(inputs):
        try:
            bound.append(bind_inputs(network, feeds))
        except InputError as exc:
            raise InputError(f"{exc.message} (rank {r})") from None
    feeds = [array for values, _ in bound for array in values.values()]
    steps = plan(network)
    rendezvous = Rendezvous(network, int(ranks))
    outputs: list[dict[str, np.ndarray]] = [{} for _ in range(ranks)]
    errors: list[BaseException | None] = [None] * ranks

    def work(r: int) -> None:
        set_exchange(rendezvous.exchange_for(r))
        try:
            values, bindings = bound[r]
            execute(steps, values, bindings)
            outputs[r] = {name: values[t] for name, t in network.outputs.items()}
        except BaseException as exc:  # noqa: BLE001  (reported by the caller's thread)
            errors[r] = exc
        finally:
            set_exchange(None)
            rendezvous.leave(r)

    threads = [threading.Thread(target=work, args=(r,), name=f"trtdsl-rank-{r}", daemon=True)
               for r in range(ranks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    own = [e for e in errors if e is not None and not isinstance(e, _Stuck)]
    if own:  # a rank's own failure, which left the others stuck
        raise own[0]
    stuck = next((e for e in errors if isinstance(e, _Stuck)), None)
    if stuck is not None:
        raise ExecutionError(stuck.message, location=stuck.location, context=stuck.context)
    # each output an array of its own, as in a run of one rank: apart from every rank's inputs and the
    # outputs of the ranks before it (a collective's result may be one array for all)
    for r in range(ranks):
        outputs[r] = own_outputs(outputs[r], feeds + [a for done in outputs[:r] for a in done.values()])
    return outputs

