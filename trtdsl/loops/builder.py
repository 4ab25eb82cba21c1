"""``td.Loop``: a TensorRT loop (``ILoop``) as a Python ``with`` block.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("cumsum")
>>> xs = net.input("xs", td.float32, (4,))
>>> with td.Loop(trip_count=4) as loop:        # for x in xs:
...     x = loop.iterate(xs)                    #     (IIteratorLayer)
...     total = loop.carry(np.float32(0))       # total = 0 (IRecurrenceLayer)
...     total.update(total + x)                 #     total = total + x
...     partial = loop.collect(total + x)       #     partial.append(total + x)
...     final = loop.last(total)                # (LoopOutput LAST_VALUE)
>>> net.output("partial", partial)
>>> net.output("final", final)
>>> out = net.run({"xs": np.array([1, 2, 3, 4], np.float32)})
>>> out["partial"], out["final"]
(array([ 1.,  3.,  6., 10.], dtype=float32), array(10., dtype=float32))
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from trtdsl.errors import RegionError, bad_argument, shown, user_location
from trtdsl.ir.dims import Dim, network_of_dims
from trtdsl.ir.network import expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.structure import while_message, while_violation
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import (
    as_array, enum_member, expect_bool, expect_tensor, is_int, normalize_axis,
)
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.constant import constant_argument
from trtdsl.loops.ops import (
    IteratorLayer,
    LoopOutput,
    LoopOutputLayer,
    RecurrenceLayer,
    TripLimit,
    TripLimitLayer,
)
from trtdsl.regions.scope import EMPTY, RegionBuilder, State
from trtdsl.shapes.values import length_dim

if TYPE_CHECKING:
    from trtdsl.ir.network import Network

__all__ = ["Loop", "Carry"]


class Carry(Tensor):
    """A loop's recurrence (:meth:`Loop.carry`): a tensor whose value is the initial value in the first
    iteration and, after that, the value given to :meth:`update` in the previous iteration."""

    __slots__ = ()

    def update(self, next_value: Any) -> None:
        """Set the value this carry has in the next iteration (the recurrence's back edge, TensorRT's
        ``setInput(1, next)``). Call it once, in the loop's body; ``next_value`` must have the carry's
        dtype and shape."""
        node = self.producer
        assert node is not None
        builder = State.of(self.network).builders[node.op_as(RecurrenceLayer).region]
        assert isinstance(builder, Loop)
        builder._update(self, next_value)


class Loop(RegionBuilder):
    """A TensorRT loop: ``with td.Loop(trip_count=n) as loop:`` runs its body ``n`` times.

    In the body, :meth:`iterate` slices a tensor by the iteration number (IIteratorLayer), :meth:`carry`
    makes a value carried from one iteration to the next (IRecurrenceLayer; set its next value with
    ``carry.update(...)``), and :meth:`collect` / :meth:`last` make the loop's results (ILoopOutputLayer),
    usable after the ``with`` block. A while loop has no ``trip_count`` (or also one) and calls
    :meth:`while_` with a 0-D bool computed from its carries: it runs while that is true.

    ``trip_count`` is an int, a dim (``x.shape[0]``), or a 0-D int32/int64 tensor computed before the
    loop. Tensors from outside the loop are used in the body directly (loop-invariant); body layers that
    depend on no iterator or carry are loop-invariant too, and (as in TensorRT) computed once, before the
    loop.
    The meaning, as a Python loop::

        count, values = trip_count, {}
        carries = [initial values]
        i = 0
        while (count is None or i < count) and (no while_ or condition(carries)):
            x = xs[i]                         # iterate(xs), or xs[count-1-i] with reverse=True
            ... the body ...
            collected.append(value)           # collect(value)
            carries = [their next values]     # all updated at once
            i += 1
        last(carry) = the carry's final value; collect(value) = np.stack(collected, axis)

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("countdown")
    >>> n = net.input("n", td.int32, ())
    >>> with td.Loop() as loop:                 # while k > 0: k -= 1; steps += 1
    ...     k = loop.carry(n)
    ...     steps = loop.carry(np.int32(0))
    ...     loop.while_(k > 0)
    ...     k.update(k - 1)
    ...     steps.update(steps + 1)
    ...     total = loop.last(steps)
    >>> net.output("steps", total)
    >>> net.run({"n": np.int32(3)})["steps"]
    array(3, dtype=int32)
    """

    kind = "loop"

    def __init__(self, trip_count: Any = None, *, network: Network | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self._count_arg = trip_count
        self._network_arg = network if network is None else expect_network("Loop", network)
        self.carries: list[Carry] = []
        self.count: Tensor | None = None
        self._updated: dict[Carry, Any] = {}
        if trip_count is not None and not isinstance(trip_count, (Tensor, Dim)):
            _check_count("Loop", "trip_count", trip_count)

    def __enter__(self) -> Loop:
        self._enter()
        count = self._count_arg
        net = self._network_arg or (count.network if isinstance(count, Tensor) else network_of_dims(count))
        net = net or self._network_from_open()
        if net is not None:
            with self._closed_on_error():
                self._attach(net)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        failed = kind is not None
        try:
            if not failed:
                self._finish()
        except BaseException:
            failed = True
            raise
        finally:
            self._close(failed)

    def _attach(self, network: Network) -> None:
        first = self.network is None
        super()._attach(network)
        if first and self._count_arg is not None:
            self.trip_limit(self._count_arg, TripLimit.COUNT)

    def _use(self, method: str, *values: Any) -> Network:
        """Attach to the network of ``values`` (a loop with an int trip count learns it on first use)."""
        if not self.entered:
            raise RegionError(f"{method}: use the loop in a with block (with td.Loop(...) as loop:)")
        for v in values:
            if isinstance(v, Tensor):
                self._attach(v.network)
                break
        if self.network is None:
            raise RegionError(f"{method}: the loop does not know its network yet (its trip count is not a "
                              "tensor, and no tensor was given to it before); create it with td.Loop(..., "
                              "network=net)")
        self._require_here(method)
        return self.network

    def forget(self, gone: Mapping[Tensor, None], removed: list[Node]) -> None:
        super().forget(gone, removed)
        self.carries = [c for c in self.carries if c not in gone]
        self._updated = {c: v for c, v in self._updated.items() if c not in gone}
        if self.count is not None and self.count in gone:
            self.count = None

    # -- trip limits ----------------------------------------------------------------------------------
    def trip_limit(self, limit: Any, kind: TripLimit | str) -> None:
        """Add a trip limit (``ILoop.add_trip_limit``): COUNT takes an int or a 0-D int tensor from
        outside the loop; WHILE a 0-D bool tensor computed from the carries. At most one of each."""
        kind = enum_member("trip_limit", "kind", kind, TripLimit)
        net = self._use("trip_limit", limit)
        for node in self.boundary:
            if isinstance(node.op, TripLimitLayer) and node.op.trip_limit is kind:
                raise RegionError(f"trip_limit: {self.describe()} already has a {kind.name} trip limit "
                                  f"(created at {node.location}); TensorRT allows one of each kind")
        if kind is TripLimit.COUNT:
            t = self._outer(_int_tensor(net, "trip_count", limit), "trip_limit")
        else:
            t = expect_tensor("while_", "condition", limit)
            self.state_().check_visible(self.scope, t, "while_")
            members = self.state_().members

            def inside(n: Node) -> bool:
                return bool(n.outputs) and self in members.get(n.outputs[0], EMPTY)

            bad = while_violation(t, self.region, inside)
            if bad is not None:
                raise RegionError(f"while_: {while_message(bad)}")
            t = self.scope_().route(t)
        self._add(TripLimitLayer(self.region, kind), (t,), None)
        if kind is TripLimit.COUNT:
            self.count = t

    def while_(self, condition: Tensor) -> None:
        """Run only while ``condition`` (a 0-D bool computed from the carries, checked before every
        iteration) is true: a WHILE trip limit."""
        self.trip_limit(condition, TripLimit.WHILE)

    # -- iterators and carries ------------------------------------------------------------------------
    def iterate(self, x: Any, axis: int = 0, reverse: bool = False, *, name: str | None = None) -> Tensor:
        """``x[i]`` along ``axis`` in iteration ``i`` (``x[count - 1 - i]`` with ``reverse``, which needs a
        trip count); ``x`` comes from outside the loop (IIteratorLayer)."""
        net = self._use("iterate", x)
        x = self._outer(_tensor(net, "iterate", "x", x), "iterate")
        if x.ndim == 0:
            raise RegionError(f"iterate: %{x.name} is 0-D; there is nothing to iterate over")
        axis = normalize_axis("iterate", axis, x.ndim)
        reverse = expect_bool("iterate", "reverse", reverse)
        count = None if self.count is None else length_dim(self.count)  # an int if the IR knows it
        if reverse and self.count is None:
            raise RegionError(f"iterate: reverse=True reads x[count-1-i], but {self.describe()} has no trip "
                              "count")
        extent = x.shape[axis]
        if isinstance(count, int) and isinstance(extent, int) and count > extent:
            raise RegionError(f"iterate: {self.describe()} runs {count} iterations but %{x.name} has only "
                              f"{extent} along axis {axis} (shape {x.type.shape_text}); TensorRT does not "
                              "allow iterating past a tensor's extent")
        (out,) = self._add(IteratorLayer(self.region, axis, reverse), (x,), name)
        return out

    def carry(self, init: Any, *, name: str | None = None) -> Carry:
        """A value carried across iterations, starting as ``init`` (from outside the loop); give its next
        value with ``carry.update(next)`` (IRecurrenceLayer)."""
        net = self._use("carry", init)
        init = self._outer(_tensor(net, "carry", "init", init), "carry")
        (out,) = self._add(RecurrenceLayer(self.region), (init,), name)
        out.__class__ = Carry  # the same tensor, with update(); Carry adds no fields
        assert isinstance(out, Carry)
        self.carries.append(out)
        return out

    def _update(self, carry: Carry, next_value: Any) -> None:
        self._require_here("update")
        net = self._net()
        if carry in self._updated:
            raise RegionError(f"update: carry %{carry.name} was already updated (at {self._updated[carry]}); "
                              "a recurrence has one next value")
        if not isinstance(next_value, Tensor):
            next_value = net.constant(as_array("update", "next_value", next_value, carry.dtype))
        state = self.state_()
        state.check_visible(self.scope, next_value, "update")
        next_value = self.scope_().route(next_value)
        node = carry.producer
        assert node is not None
        net.set_input(node, 1, next_value)
        state.members[carry] = state.members.get(carry, EMPTY) | state.members.get(next_value, EMPTY)
        self._updated[carry] = user_location()

    # -- results --------------------------------------------------------------------------------------
    def collect(self, value: Tensor, axis: int = 0, *, reverse: bool = False, length: Any = None,
                name: str | None = None) -> Tensor:
        """Every iteration's ``value`` stacked along a new ``axis`` (``np.stack(values, axis)``; newest
        first with ``reverse``): a CONCATENATE/REVERSE loop output, available after the ``with`` block.

        ``length`` (the new dim's size) defaults to the trip count; a while loop without one must give
        it. If the loop runs fewer iterations, the rest is zeros (TensorRT: arbitrary values); more is an
        error when the network runs."""
        net = self._use("collect", value)
        value = expect_tensor("collect", "value", value)
        self._check_inside("collect", value)
        axis = normalize_axis("collect", axis, value.ndim + 1,
                              of=f"result (the rank-{value.ndim} value with the new axis)")
        reverse = expect_bool("collect", "reverse", reverse)
        if length is None:
            if self.count is None:
                raise RegionError(f"collect: {self.describe()} has no trip count; pass length= (the most "
                                  "iterations it can run)")
            size = self.count
        else:
            size = self._outer(_int_tensor(net, "length", length), "collect")
        kind = LoopOutput.REVERSE if reverse else LoopOutput.CONCATENATE
        (out,) = self._add(LoopOutputLayer(self.region, kind, axis, length_dim(size)), (value, size), name)
        return self._result(out)

    def last(self, carry: Tensor, *, name: str | None = None) -> Tensor:
        """The final value of ``carry`` (its initial value if the loop runs no iteration): a LAST_VALUE
        loop output, available after the ``with`` block."""
        self._use("last", carry)
        node = carry.producer if isinstance(carry, Tensor) else None
        if not isinstance(carry, Carry) or node is None or node.op_as(RecurrenceLayer).region != self.region:
            what = f"%{carry.name}" if isinstance(carry, Tensor) else shown(carry)
            raise RegionError(f"last: {what} is not a carry of {self.describe()}; LAST_VALUE takes a "
                              "recurrence (use loop.carry, or loop.collect for other values)")
        (out,) = self._add(LoopOutputLayer(self.region, LoopOutput.LAST_VALUE), (carry,), name)
        return self._result(out)

    def _check_inside(self, method: str, value: Tensor) -> None:
        state = self.state_()
        state.check_visible(self.scope, value, method)
        if self not in state.members.get(value, EMPTY):
            raise RegionError(f"{method}: %{value.name} does not depend on the iterators or carries of "
                              f"{self.describe()}, so it is not computed inside the loop; TensorRT collects "
                              "only values computed in the loop")

    def _finish(self) -> None:
        """Checks at the end of the with block."""
        if self.network is None:
            return
        for carry in self.carries:
            if carry not in self._updated:
                node = carry.producer
                assert node is not None
                raise RegionError(f"{self.describe()}: carry %{carry.name} is never updated; call "
                                  f"{carry.name}.update(next_value) in the loop body", location=node.location)
        limits = {node.op_as(TripLimitLayer).trip_limit: node for node in self.boundary
                  if node.op.kind == "TripLimit"}
        if not limits:
            raise RegionError(f"{self.describe()} has no trip limit: pass trip_count= or call "
                              "loop.while_(condition)")
        node = limits.get(TripLimit.WHILE)
        condition = node.inputs[0] if node is not None else None
        if node is not None and condition is not None and TripLimit.COUNT not in limits \
                and self not in self.state_().members.get(condition, EMPTY):
            raise RegionError(f"while_: the condition %{condition.name} of {self.describe()} does not depend "
                              "on its carries, so it is the same in every iteration: the loop would run "
                              "forever or not at all; compute it from loop.carry values",
                              location=node.location)


def _tensor(net: Network, fn: str, arg: str, value: Any) -> Tensor:
    """A Tensor as is; a number or array as a constant (Python floats as float32, ints as int32)."""
    return value if isinstance(value, Tensor) else constant_argument(net, fn, arg, value)


_INT64_MAX = int(np.iinfo(np.int64).max)


def _check_count(fn: str, arg: str, value: Any) -> int:
    """A trip count or concatenation length given as a number: an int in [0, int64 max]."""
    if not is_int(value):
        raise bad_argument(fn, arg, value, "an int, a dim (x.shape[0]) or a 0-D int32/int64 Tensor")
    if not 0 <= value <= _INT64_MAX:
        raise bad_argument(fn, arg, value, f"an int in [0, {_INT64_MAX}]")
    return int(value)


def _int_tensor(net: Network, arg: str, value: Any) -> Tensor:
    """A 0-D int tensor for a count: a Tensor as is, a dim as the int64 it is when the network runs, a
    number as an int32 constant (int64 if it needs it)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Dim):
        return dim_scalar(net, value)
    value = _check_count("Loop", arg, value)
    return net.constant(np.int32(value) if value <= np.iinfo(np.int32).max else np.int64(value))
