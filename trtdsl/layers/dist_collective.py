"""IDistCollectiveLayer: collectives between the ranks (devices) that each run the network.

Every rank runs the same network on its own inputs; at a collective layer the participating ranks
exchange data (NCCL, in TensorRT: NvInfer.h ``IExecutionContext::setCommunicator``). With ``n`` the number
of participating ranks, ``x_i`` the input of group-local rank ``i`` and ``op`` the reduction:

==============  ==========================================================  ======================
ALL_REDUCE      every rank: ``op(x_0, ..., x_{n-1})`` elementwise              shape of x
ALL_GATHER      every rank: ``np.concatenate([x_0, ..., x_{n-1}], axis=0)``   ``(n * d0, ...)``
REDUCE_SCATTER  rank i: part i of ``np.split(op(x_0, ..., x_{n-1}), n)``      ``(d0 / n, ...)``
BROADCAST       every rank: ``x_root``                                        shape of x
REDUCE          root: ``op(x_0, ..., x_{n-1})``; other ranks: zeros           shape of x
ALL_TO_ALL      rank j: ``np.concatenate([np.split(x_i, n)[j] for i])``        shape of x
GATHER          root: ``np.concatenate([x_0, ..., x_{n-1}], axis=0)``; others: zeros  ``(n * d0, ...)``
SCATTER         rank i: part i of ``np.split(x_root, n)``                     ``(d0 / n, ...)``
==============  ==========================================================  ======================

Sources: NvInfer.h ``CollectiveOperation``, ``INetworkDefinition::addDistCollective`` (the root "sends"
for BROADCAST, "receives reduced data" for REDUCE, "receives data gathered from all ranks" for GATHER,
"distributes data to all ranks" for SCATTER, and is ignored (-1) for the others; ``groups`` is "the
ordered list of participating ranks" whose "order defines the group-local rank (used to remap the root
for root-based ops)", all ranks when empty; ``reduceOp`` is ``kNONE`` for collectives that do not reduce),
``ILayer::setNbRanks`` ("Determines output shape for kALL_GATHER and kREDUCE_SCATTER"), and NCCL's
definitions of AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll, Gather and Scatter.

Readings NvInfer.h leaves open (UNCONFIRMED; a two-rank engine run would settle each): the gathered and
scattered axis is dim 0 (NCCL's buffers are the row-major tensors, so its rank-order concatenation is along
dim 0); ``num_ranks`` is the number of participating ranks (the group's size when groups are given) and
also sets GATHER's and SCATTER's output shapes; the output of REDUCE and GATHER on ranks other than the
root is zeros (NCCL leaves it unwritten); AVG is the sum divided by ``n`` (NCCL's ncclAvg), for floats
only; 16-bit floats are reduced in float32 in rank order and rounded once; integers wrap. A rank outside a
layer's group has no defined result: the reference refuses it (an ExecutionError).

The reference runs one rank per layer call; ``net.run([inputs of rank 0, ...], ranks=n)`` runs ``n`` ranks
in one process and exchanges the data at each collective (see :mod:`trtdsl.reference.ranks`).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("ar")
>>> x = net.input("x", td.float32, (2,))
>>> net.output("sum", td.all_reduce(x, "sum", ranks=2))
>>> net.output("all", td.all_gather(x, ranks=2))
>>> out = net.run([{"x": np.array([1, 2], np.float32)}, {"x": np.array([10, 20], np.float32)}], ranks=2)
>>> out[1]["sum"], out[1]["all"]
(array([11., 22.], dtype=float32), array([ 1.,  2., 10., 20.], dtype=float32))
"""

from __future__ import annotations

import enum
import threading
from typing import Any, Callable, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike, int_tuple
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_rank, expect_tensor, is_int
from trtdsl.layers.reduce import ReduceOperation

__all__ = [
    "CollectiveOperation", "DistCollective", "all_gather", "all_reduce", "all_to_all", "broadcast",
    "dist_collective", "gather_to_root", "reduce_scatter", "reduce_to_root", "scatter",
]


class CollectiveOperation(enum.Enum):
    ALL_REDUCE = "all_reduce"
    ALL_GATHER = "all_gather"
    BROADCAST = "broadcast"
    REDUCE = "reduce"
    REDUCE_SCATTER = "reduce_scatter"
    ALL_TO_ALL = "all_to_all"
    GATHER = "gather"
    SCATTER = "scatter"


_C = CollectiveOperation
REDUCING = (_C.ALL_REDUCE, _C.REDUCE, _C.REDUCE_SCATTER)
ROOTED = (_C.BROADCAST, _C.REDUCE, _C.GATHER, _C.SCATTER)
_GROWS = (_C.ALL_GATHER, _C.GATHER)  # dim 0 times n
_SPLITS = (_C.REDUCE_SCATTER, _C.SCATTER, _C.ALL_TO_ALL)  # dim 0 cut into n parts
COLLECTIVE_DTYPES = dtypes.FLOATS + dtypes.INTEGERS + (dtypes.int8,)
MAX_RANKS = 1 << 16  # a bound on the number of ranks that keeps rank lists printable


def _root_choice(groups: tuple[int, ...], ranks: int) -> str:
    return f"one of the participating ranks {list(groups)}" if groups else f"a rank id in [0, {ranks - 1}]"

# How the ranks exchange data: a multi-rank run installs, in each rank's thread, a function that takes the
# layer's op and this rank's input and returns this rank's output (trtdsl.reference.ranks). Without one,
# the layer runs as a network of one rank.
_EXCHANGE = threading.local()
Exchange = Callable[["DistCollective", np.ndarray], np.ndarray]


def set_exchange(exchange: Exchange | None) -> None:
    """Install ``exchange`` for the calling thread (None removes it)."""
    _EXCHANGE.fn = exchange


@attrs.frozen
class DistCollective(Op):
    """One collective between ``ranks`` ranks (see the module's table): ``reduce_op`` for ALL_REDUCE,
    REDUCE and REDUCE_SCATTER (else None, TensorRT's ``kNONE``), ``root`` (a rank id, in ``groups`` when
    given) for BROADCAST, REDUCE, GATHER and SCATTER (else -1), ``groups`` the participating rank ids in
    group-local order (empty: all ``ranks`` ranks)."""

    kind = "DistCollective"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.all_reduce`, `td.all_gather`, `td.reduce_scatter`, `td.broadcast`, `td.reduce_to_root`, "
        "`td.all_to_all`, `td.gather_to_root`, `td.scatter`, `td.dist_collective`",
        "`IDistCollectiveLayer` (`CollectiveOperation`, `ReduceOperation`, root, groups, `num_ranks`)",
        "Exchanges data between the ranks that each run the network: the reference runs them with "
        "`net.run([inputs per rank], ranks=n)`; a single-rank run of a collective of several ranks is an "
        "error. Gathers and scatters work along dim 0; non-root ranks of REDUCE and GATHER get zeros; AVG for "
        "floats only; `ranks` is the number of participating ranks (*UNCONFIRMED*). ALL_TO_ALL, GATHER and "
        "SCATTER need TensorRT 11. `td.reduce` and `td.gather` are the IReduceLayer and IGatherLayer, hence "
        "`reduce_to_root` and `gather_to_root`.",
        "NvInfer.h `CollectiveOperation`, `addDistCollective`, `ILayer::setNbRanks`; NCCL's collective "
        "definitions",
    )
    input_names = ("x",)
    input_dtypes = {"x": COLLECTIVE_DTYPES}
    collective: CollectiveOperation
    reduce_op: ReduceOperation | None = None
    root: int = -1
    groups: tuple[int, ...] = attrs.field(default=(), converter=int_tuple)
    ranks: int = 1

    def label(self) -> str:
        reduce = f",{self.reduce_op.name}" if self.reduce_op is not None else ""
        return f"DistCollective[{self.collective.name}{reduce}]"

    def name_hint(self) -> str:
        return self.collective.value

    def attributes(self) -> dict[str, object]:
        shown: dict[str, object] = {"ranks": self.ranks}
        if self.collective in ROOTED:
            shown["root"] = self.root
        if self.groups:
            shown["groups"] = self.groups
        return shown

    def members(self) -> tuple[int, ...]:
        """The participating rank ids, in group-local order."""
        return self.groups or tuple(range(self.ranks))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        self._check_parameters(label)
        if self.reduce_op is ReduceOperation.AVG and not x.dtype.is_float:
            raise DTypeError(f"{label}: input 'x' has dtype {x.dtype.name}; AVG averages floats only "
                             "(float32, float16, bfloat16)")
        if self.collective not in _GROWS + _SPLITS:
            return (x,)
        expect_rank(label, "x", x, lambda r: r >= 1, f"rank >= 1 ({self.collective.name} works along dim 0)")
        first: DimLike = x.shape[0]
        if self.collective in _GROWS:
            first = first * self.ranks
        elif isinstance(first, int) and first % self.ranks:
            raise ShapeError(f"{label}: input 'x' has shape {x.shape_text}; dim 0 must be a multiple of the "
                             f"{self.ranks} ranks ({self.collective.name} cuts it into one part per rank)")
        elif self.collective is not _C.ALL_TO_ALL:
            first = first // self.ranks
        return (TensorType(x.dtype, (first,) + tuple(x.shape[1:])),)

    def _check_parameters(self, label: str) -> None:
        if not is_int(self.ranks) or not 1 <= self.ranks <= MAX_RANKS:
            raise bad_argument(label, "ranks", self.ranks, f"an int in [1, {MAX_RANKS}]")
        if self.groups:
            if len(self.groups) != self.ranks or len(set(self.groups)) != len(self.groups) \
                    or min(self.groups) < 0:
                raise bad_argument(label, "groups", self.groups, f"{self.ranks} distinct rank ids >= 0 (one "
                                   "per participating rank), or () for all ranks")
        if self.collective in REDUCING and self.reduce_op is None:
            raise bad_argument(label, "reduce_op", None, "one of SUM, PROD, MAX, MIN, AVG")
        if self.collective not in REDUCING and self.reduce_op is not None:
            raise bad_argument(label, "reduce_op", self.reduce_op.name, f"None ({self.collective.name} does "
                               "not reduce; TensorRT's ReduceOperation.NONE)")
        if self.collective in ROOTED:
            if not is_int(self.root) or self.root not in self.members():
                raise bad_argument(label, "root", self.root, _root_choice(self.groups, self.ranks))
        elif self.root != -1:
            raise bad_argument(label, "root", self.root, f"-1 ({self.collective.name} has no root)")

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        exchange = getattr(_EXCHANGE, "fn", None)
        if exchange is not None:
            return (exchange(self, x),)
        if self.ranks != 1 or self.members() != (0,):
            needed = max(self.members()) + 1 if self.groups else self.ranks
            raise ExecutionError(f"{self.label()}: the layer exchanges data between {self.ranks} ranks "
                                 f"{list(self.members())}; run the network with net.run([inputs of each "
                                 f"rank], ranks={needed})")
        return (self.exchange([x])[0],)

    def exchange(self, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The outputs of the participating ranks, in group-local order, for their inputs ``xs`` (same
        order), as the module's table says."""
        n = len(xs)
        first = xs[0]
        for i, x in enumerate(xs):
            if x.shape != first.shape:
                raise ExecutionError(f"{self.label()}: group-local rank {i} gives shape {x.shape} but rank 0 "
                                     f"gives {first.shape}; a collective needs the same shape on every rank")
        if self.collective in _SPLITS and first.shape[0] % n:
            raise ExecutionError(f"{self.label()}: dim 0 of x {first.shape} is not a multiple of the {n} "
                                 "ranks")
        c = self.collective
        root = self.members().index(self.root) if c in ROOTED else -1
        if c is _C.ALL_REDUCE:
            return [self._reduce(xs)] * n
        if c is _C.ALL_GATHER:
            return [np.concatenate(xs, axis=0)] * n
        if c is _C.REDUCE_SCATTER:
            return np.split(self._reduce(xs), n)
        if c is _C.BROADCAST:
            return [xs[root]] * n
        if c is _C.REDUCE:
            return [self._reduce(xs) if i == root else np.zeros_like(first) for i in range(n)]
        if c is _C.ALL_TO_ALL:
            parts = [np.split(x, n) for x in xs]
            return [np.concatenate([parts[i][j] for i in range(n)], axis=0) for j in range(n)]
        if c is _C.GATHER:
            gathered = np.concatenate(xs, axis=0)
            return [gathered if i == root else np.zeros_like(gathered) for i in range(n)]
        return np.split(xs[root], n)

    def _reduce(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        dtype = xs[0].dtype
        wide = np.float32 if dtype.kind == "f" or dtype == dtypes.bfloat16.numpy else dtype
        stacked = np.stack([x.astype(wide) for x in xs])
        op = self.reduce_op
        if op is ReduceOperation.SUM or op is ReduceOperation.AVG:
            out = stacked[0].copy()
            for x in stacked[1:]:
                out += x  # in rank order; integers wrap in their dtype
            if op is ReduceOperation.AVG:
                out = out / np.float32(len(xs))
        elif op is ReduceOperation.PROD:
            out = stacked[0].copy()
            for x in stacked[1:]:
                out *= x
        elif op is ReduceOperation.MAX:
            out = np.max(stacked, axis=0)
        else:
            out = np.min(stacked, axis=0)
        return out.astype(dtype)


# -- the DSL functions --------------------------------------------------------------------------------------
def _ranks_and_groups(fn: str, ranks: Any, groups: Any) -> tuple[int, tuple[int, ...]]:
    if groups is None:
        if not is_int(ranks) or not 1 <= ranks <= MAX_RANKS:
            raise bad_argument(fn, "ranks", ranks, f"an int in [1, {MAX_RANKS}], the number of ranks taking "
                               "part")
        return int(ranks), ()
    if isinstance(groups, (str, bytes)) or not isinstance(groups, (list, tuple, np.ndarray)) \
            or not all(is_int(g) for g in groups) or not 0 < len(groups) <= MAX_RANKS:
        raise bad_argument(fn, "groups", groups, f"a non-empty list of at most {MAX_RANKS} rank ids (ints), "
                           "or None for all ranks")
    ids = tuple(int(g) for g in groups)
    if len(set(ids)) != len(ids) or min(ids) < 0:
        raise bad_argument(fn, "groups", groups, "distinct rank ids >= 0")
    if ranks is not None and (not is_int(ranks) or ranks != len(ids)):
        raise bad_argument(fn, "ranks", ranks, f"None or {len(ids)}, the size of groups {list(ids)}")
    return len(ids), ids


def dist_collective(x: Tensor, collective: Any, reduce_op: Any = None, root: Any = -1, *,
                    ranks: int | None = None, groups: Sequence[int] | None = None,
                    name: str | None = None) -> Tensor:
    """One IDistCollectiveLayer: ``collective`` (a :class:`CollectiveOperation` or its name) between
    ``ranks`` ranks, or the ranks listed in ``groups`` (in group-local order); ``reduce_op`` ("sum",
    "prod", "max", "min", "avg") for the reducing collectives, ``root`` (a rank id) for the rooted ones.
    The functions :func:`all_reduce`, :func:`all_gather`, ... take only the arguments theirs needs.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("bc")
    >>> x = net.input("x", td.int32, (2,))
    >>> net.output("y", td.dist_collective(x, "broadcast", root=1, ranks=2))
    >>> [out["y"] for out in net.run([{"x": np.array([1, 2], np.int32)},
    ...                               {"x": np.array([3, 4], np.int32)}], ranks=2)]
    [array([3, 4], dtype=int32), array([3, 4], dtype=int32)]
    """
    fn = "dist_collective"
    x = expect_tensor(fn, "x", x)
    c = enum_member(fn, "collective", collective, CollectiveOperation)
    return _collective(fn, x, c, reduce_op, root, ranks, groups, name)


def _collective(fn: str, x: Tensor, c: CollectiveOperation, reduce_op: Any, root: Any, ranks: Any,
                groups: Any, name: str | None) -> Tensor:
    n, ids = _ranks_and_groups(fn, ranks, groups)
    op_reduce = None
    if c in REDUCING:
        op_reduce = enum_member(fn, "op", reduce_op, ReduceOperation)
    elif reduce_op is not None:
        raise bad_argument(fn, "reduce_op", reduce_op, f"None ({c.name} does not reduce)")
    if c in ROOTED:
        if not is_int(root) or int(root) not in (ids or range(n)):
            raise bad_argument(fn, "root", root, _root_choice(ids, n))
        root = int(root)
    elif not (is_int(root) and root == -1):
        raise bad_argument(fn, "root", root, f"-1 ({c.name} has no root)")
    return x.network.add1(DistCollective(c, op_reduce, root, ids, n), (x,), name=name)


def all_reduce(x: Tensor, op: Any = "sum", *, ranks: int | None = None, groups: Sequence[int] | None = None,
               name: str | None = None) -> Tensor:
    """Every rank gets ``op`` ("sum", "prod", "max", "min", "avg") of all ranks' ``x``, elementwise
    (``np.sum(np.stack([x_0, ..., x_{n-1}]), axis=0)`` for "sum"), as one ALL_REDUCE layer.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ar")
    >>> net.output("y", td.all_reduce(net.input("x", td.float32, (2,)), "max", ranks=3))
    >>> feeds = [{"x": np.array([r, -r], np.float32)} for r in range(3)]
    >>> net.run(feeds, ranks=3)[0]["y"]
    array([2., 0.], dtype=float32)
    """
    x = expect_tensor("all_reduce", "x", x)
    return _collective("all_reduce", x, _C.ALL_REDUCE, op, -1, ranks, groups, name)


def all_gather(x: Tensor, *, ranks: int | None = None, groups: Sequence[int] | None = None,
               name: str | None = None) -> Tensor:
    """Every rank gets ``np.concatenate([x_0, ..., x_{n-1}], axis=0)`` (group-local rank order), as one
    ALL_GATHER layer; dim 0 grows ``n`` times.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ag")
    >>> net.output("y", td.all_gather(net.input("x", td.int32, (1, 2)), groups=[1, 0]))
    >>> net.run([{"x": np.array([[0, 0]], np.int32)}, {"x": np.array([[1, 1]], np.int32)}], ranks=2)[0]["y"]
    array([[1, 1],
           [0, 0]], dtype=int32)
    """
    x = expect_tensor("all_gather", "x", x)
    return _collective("all_gather", x, _C.ALL_GATHER, None, -1, ranks, groups, name)


def reduce_scatter(x: Tensor, op: Any = "sum", *, ranks: int | None = None,
                   groups: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """Group-local rank ``i`` gets part ``i`` of ``np.split(reduced, n)``, ``reduced`` being ``op`` of all
    ranks' ``x`` (see :func:`all_reduce`), as one REDUCE_SCATTER layer; dim 0 must be a multiple of ``n``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("rs")
    >>> net.output("y", td.reduce_scatter(net.input("x", td.float32, (4,)), ranks=2))
    >>> out = net.run([{"x": np.arange(4, dtype=np.float32)}] * 2, ranks=2)
    >>> out[0]["y"], out[1]["y"]
    (array([0., 2.], dtype=float32), array([4., 6.], dtype=float32))
    """
    x = expect_tensor("reduce_scatter", "x", x)
    return _collective("reduce_scatter", x, _C.REDUCE_SCATTER, op, -1, ranks, groups, name)


def broadcast(x: Tensor, root: int = 0, *, ranks: int | None = None, groups: Sequence[int] | None = None,
              name: str | None = None) -> Tensor:
    """Every rank gets the ``x`` of rank ``root``, as one BROADCAST layer.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("b")
    >>> net.output("y", td.broadcast(net.input("x", td.float32, ()), root=1, ranks=2))
    >>> [o["y"] for o in net.run([{"x": np.float32(5)}, {"x": np.float32(7)}], ranks=2)]
    [array(7., dtype=float32), array(7., dtype=float32)]
    """
    x = expect_tensor("broadcast", "x", x)
    return _collective("broadcast", x, _C.BROADCAST, None, root, ranks, groups, name)


def reduce_to_root(x: Tensor, op: Any = "sum", root: int = 0, *, ranks: int | None = None,
                   groups: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """Rank ``root`` gets ``op`` of all ranks' ``x`` (see :func:`all_reduce`), the other ranks zeros, as
    one REDUCE layer (NCCL's Reduce; named so beside :func:`trtdsl.reduce`, the IReduceLayer).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("r")
    >>> net.output("y", td.reduce_to_root(net.input("x", td.int32, (2,)), "prod", root=0, ranks=2))
    >>> [o["y"] for o in net.run([{"x": np.array([2, 3], np.int32)}] * 2, ranks=2)]
    [array([4, 9], dtype=int32), array([0, 0], dtype=int32)]
    """
    x = expect_tensor("reduce_to_root", "x", x)
    return _collective("reduce_to_root", x, _C.REDUCE, op, root, ranks, groups, name)


def all_to_all(x: Tensor, *, ranks: int | None = None, groups: Sequence[int] | None = None,
               name: str | None = None) -> Tensor:
    """Each rank cuts its ``x`` into ``n`` parts along dim 0 and sends part ``j`` to group-local rank
    ``j``, which concatenates what it receives in rank order: rank ``j`` gets
    ``np.concatenate([np.split(x_i, n)[j] for i in range(n)])``; one ALL_TO_ALL layer (TensorRT 11).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a2a")
    >>> net.output("y", td.all_to_all(net.input("x", td.int32, (2,)), ranks=2))
    >>> [o["y"] for o in net.run([{"x": np.array([0, 1], np.int32)},
    ...                           {"x": np.array([10, 11], np.int32)}], ranks=2)]
    [array([ 0, 10], dtype=int32), array([ 1, 11], dtype=int32)]
    """
    x = expect_tensor("all_to_all", "x", x)
    return _collective("all_to_all", x, _C.ALL_TO_ALL, None, -1, ranks, groups, name)


def gather_to_root(x: Tensor, root: int = 0, *, ranks: int | None = None,
                   groups: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """Rank ``root`` gets ``np.concatenate([x_0, ..., x_{n-1}], axis=0)``, the other ranks zeros of that
    shape, as one GATHER layer (TensorRT 11; named so beside :func:`trtdsl.gather`, the IGatherLayer).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("g")
    >>> net.output("y", td.gather_to_root(net.input("x", td.int32, (1,)), root=1, ranks=2))
    >>> [o["y"] for o in net.run([{"x": np.array([4], np.int32)}, {"x": np.array([5], np.int32)}], ranks=2)]
    [array([0, 0], dtype=int32), array([4, 5], dtype=int32)]
    """
    x = expect_tensor("gather_to_root", "x", x)
    return _collective("gather_to_root", x, _C.GATHER, None, root, ranks, groups, name)


def scatter(x: Tensor, root: int = 0, *, ranks: int | None = None, groups: Sequence[int] | None = None,
            name: str | None = None) -> Tensor:
    """Group-local rank ``i`` gets part ``i`` of ``np.split(x_root, n)`` (dim 0 cut into ``n`` parts), as
    one SCATTER layer (TensorRT 11).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("s")
    >>> net.output("y", td.scatter(net.input("x", td.int32, (4,)), root=0, ranks=2))
    >>> feeds = [{"x": np.arange(4, dtype=np.int32)}, {"x": np.zeros(4, np.int32)}]
    >>> [o["y"] for o in net.run(feeds, ranks=2)]
    [array([0, 1], dtype=int32), array([2, 3], dtype=int32)]
    """
    x = expect_tensor("scatter", "x", x)
    return _collective("scatter", x, _C.SCATTER, None, root, ranks, groups, name)
