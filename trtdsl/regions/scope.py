"""The DSL side of regions: ``with`` scopes that put layers where the user wrote them and report
misuse on the user's line.

TensorRT decides membership by data flow (:mod:`trtdsl.ir.structure`); the scopes make that
agree with the code:

* inside a conditional's branch, every tensor from outside the conditional is routed through one
  ConditionalInput layer (one per tensor and conditional), so whatever the branch computes depends on
  the conditional and runs only when the branch is taken (``branch.eager()`` opts out);
* a loop needs no such layer: loop-invariant values are used directly, and a layer of the loop body
  that depends on no iterator or carry is loop-invariant (computed once, before the loop, as in
  TensorRT);
* using a value computed inside a region after its ``with`` block, a value of the other branch, or a
  region's result inside the region is an error at that line.

Every tensor's *raw membership* (the open or closed region builders whose iterators, carries or
conditional inputs it depends on) is kept in :class:`State`, the network's outermost scope.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from trtdsl.errors import RegionError
from trtdsl.ir.network import one_network_fix, other_network
from trtdsl.ir.node import Node
from trtdsl.ir.op import Op
from trtdsl.ir.region import Region, new_region
from trtdsl.ir.structure import BOUNDARY_KINDS, NOT_IN_REGIONS, boundary_op, describe
from trtdsl.ir.tensor import Tensor

if TYPE_CHECKING:
    from trtdsl.ir.network import Network

EMPTY: frozenset[RegionBuilder] = frozenset()
_NO_CONTEXT: Mapping[Any, Any] = {}

# The region builders whose with-block is open in this thread (or asyncio task), innermost last (all
# networks): networks defined in several threads at once each see only their own thread's regions.
_OPEN: contextvars.ContextVar[tuple[RegionBuilder, ...]] = contextvars.ContextVar(
    "open_regions", default=()
)


def defining_region(network: Network) -> bool:
    """Whether a loop's or conditional's with block is open on ``network`` (layers made now may end up
    inside it). After the first region, ``network._scopes`` keeps :class:`State` even when none is."""
    return any(not isinstance(scope, State) for scope in network._scopes)


class State:
    """A network's region bookkeeping; also its outermost scope (``network._scopes[0]``)."""

    context: Mapping[Any, Any] = _NO_CONTEXT

    def __init__(self, network: Network) -> None:
        self.network = network
        self.members: dict[Tensor, frozenset[RegionBuilder]] = {}
        self.context_of: dict[Node, Mapping[Any, Any]] = {}
        self.results: dict[Tensor, RegionBuilder] = {}
        self.builders: dict[Region, RegionBuilder] = {}
        self.raw = False

    @staticmethod
    def of(network: Network) -> State:
        scopes = network._scopes
        if scopes and isinstance(scopes[0], State):
            return scopes[0]
        state = State(network)
        scopes.insert(0, state)
        return state

    @property
    def state(self) -> State:
        return self

    def route(self, t: Tensor) -> Tensor:
        return t

    # -- the Network hooks ----------------------------------------------------------------------------
    def adapt_inputs(self, op: Op, inputs: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
        return self.adapt(self, op, inputs)

    def created(self, node: Node) -> None:
        self.record(self, node)

    def check_output(self, name: str, tensor: Tensor) -> None:
        what = f"output {name!r}"
        self.check_result(tensor, what)
        members = self.members.get(tensor, EMPTY)
        if members:
            inner = max(members, key=lambda b: b.depth)
            raise RegionError(f"{what}: %{tensor.name} is computed inside {inner.describe()}; TensorRT does "
                              "not allow a network output inside a loop or conditional (mark the region's "
                              "result, from loop.collect/loop.last or branch.output, after its with block)")

    # -- shared by every scope ------------------------------------------------------------------------
    def adapt(self, scope: Any, op: Op, inputs: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
        if self.raw:
            return inputs
        what = op.label()
        if isinstance(scope, IfBodyScope):
            raise RegionError(f"{what}: inside `with td.If(...)`, create layers in branch.then_() or "
                              "branch.else_() (or before the conditional)")
        out = []
        inside: frozenset[RegionBuilder] = EMPTY
        for t in inputs:
            if t is not None:
                self.check_visible(scope, t, what)
                t = scope.route(t)
                inside = inside | self.members.get(t, EMPTY)
            out.append(t)
        if inside and op.kind in NOT_IN_REGIONS:
            owner = max(inside, key=lambda b: b.depth)
            raise RegionError(f"{what}: a {op.kind} layer cannot be inside {owner.describe()}: "
                              f"{NOT_IN_REGIONS[op.kind]}")
        return tuple(out)

    def check_result(self, t: Tensor, what: str) -> None:
        owner = self.results.get(t)
        if owner is not None:
            raise RegionError(f"{what}: %{t.name} is a result of {owner.describe()}, available only after "
                              "its with block ends")

    def check_visible(self, scope: Any, t: Tensor, what: str) -> None:
        """Raise if ``t`` may not be used by a layer created in ``scope``."""
        self.check_result(t, what)
        for owner in self.members.get(t, EMPTY):
            if owner.closed:
                raise RegionError(f"{what}: %{t.name} is computed inside {owner.describe()}, whose with "
                                  "block has ended; a value leaves a loop only through "
                                  "loop.collect/loop.last and a conditional only through branch.output")
            producer = t.producer  # a network input or a ConditionalInput is in both branches
            if isinstance(owner, BranchOwner) and producer is not None \
                    and producer.op.kind != "ConditionalInput":
                made_in = self.context_of.get(producer, _NO_CONTEXT).get(owner)
                now = scope.context.get(owner)
                if now == "eager":
                    raise RegionError(f"{what}: %{t.name} is computed inside {owner.describe()}; "
                                      "branch.eager() computes outside the conditional, so it can use only "
                                      "values from outside it")
                if made_in in (True, False) and now in (True, False) and made_in != now:
                    raise RegionError(f"{what}: %{t.name} is computed in the {_branch(made_in)} branch of "
                                      f"{owner.describe()}; TensorRT allows no edges between the two "
                                      "branches (compute it before the conditional, or in both branches)")

    def record(self, scope: Any, node: Node) -> None:
        """Note the new layer's outputs' membership and the lexical context it was created in."""
        kind = node.op.kind
        members = self.members
        owner = self.builders.get(boundary_op(node).region) if kind in BOUNDARY_KINDS else None
        found: frozenset[RegionBuilder] = EMPTY
        if owner is None:
            for t in node.inputs:
                if t is not None:
                    found = found | members.get(t, EMPTY)
        elif kind in ("Iterator", "ConditionalInput", "Recurrence"):
            found = members.get(node.input(0), EMPTY) | {owner}
        elif kind in ("LoopOutput", "ConditionalOutput"):
            for t in node.inputs:
                if t is not None:
                    found = found | members.get(t, EMPTY)
            found = (found - {owner}) | owner.ancestors
        if found:
            for out in node.outputs:
                members[out] = found
        if scope.context:
            self.context_of[node] = scope.context

    def forget(self, gone: Mapping[Tensor, None], removed: list[Node]) -> None:
        """Drop what is kept of the tensors and layers removed from the network, and of their regions
        (see ``Network._forget_since``)."""
        for t in gone:
            self.members.pop(t, None)
            self.results.pop(t, None)
        for node in removed:
            self.context_of.pop(node, None)
        kept = set(self.network.regions)
        for region in [r for r in self.builders if r not in kept]:
            del self.builders[region]

    @contextlib.contextmanager
    def raw_mode(self) -> Iterator[None]:
        """Layers added meanwhile are boundary layers whose inputs the builder has already routed."""
        self.raw = True
        try:
            yield
        finally:
            self.raw = False


@contextlib.contextmanager
def undone_on_error(network: Network) -> Iterator[None]:
    """Remove from ``network`` what the block made if it raises: a functional loop's constants and trip
    count, made before its region, go with the region (see ``Network._forget_since``)."""
    mark = network._mark()
    try:
        yield
    except BaseException:
        network._forget_since(mark)
        raise


def _branch(b: bool) -> str:
    return "then" if b else "else"


class BodyScope:
    """A region's scope on ``network._scopes``: its layers are routed through the enclosing scopes."""

    def __init__(self, builder: RegionBuilder, parent: State | BodyScope, context: Mapping[Any, Any]) -> None:
        self.builder = builder
        self.parent = parent
        self.state: State = parent.state
        self.context = context

    def route(self, t: Tensor) -> Tensor:
        return self.parent.route(t)

    def adapt_inputs(self, op: Op, inputs: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
        return self.state.adapt(self, op, inputs)

    def created(self, node: Node) -> None:
        self.state.record(self, node)

    def forget(self, gone: Mapping[Tensor, None], removed: list[Node]) -> None:
        self.builder.forget(gone, removed)


class IfBodyScope(BodyScope):
    """Inside ``with td.If(...)`` but outside its branches: only the builder's own layers go here."""


class BranchScope(BodyScope):
    """A branch of a conditional: values from outside the conditional enter through ConditionalInputs."""

    def route(self, t: Tensor) -> Tensor:
        owner = self.builder
        if owner in self.state.members.get(t, EMPTY):
            return t
        assert isinstance(owner, BranchOwner), "a branch scope belongs to a conditional"
        return owner.input_for(self.parent.route(t))


class EagerScope(BodyScope):
    """``branch.eager()``: computed outside the conditional, where it stands in the code."""


class BranchOwner:
    """Base of conditional builders: their members carry a branch in the lexical context, and their
    branches read values from outside through :meth:`input_for`."""

    def input_for(self, t: Tensor) -> Tensor:
        """The conditional input that brings ``t``, computed outside the conditional, into it."""
        raise NotImplementedError


class RegionBuilder:
    """What td.Loop and td.If share: attaching to a network, the region, boundary layers and closing."""

    kind = ""

    def __init__(self, name: str | None) -> None:
        self._name = name
        self.network: Network | None = None
        self.state: State | None = None
        self._region: Region | None = None
        self.scope: BodyScope | None = None
        self.entered = False
        self.closed = False
        self.depth = 0
        self.ancestors: frozenset[RegionBuilder] = EMPTY
        self.results: list[Tensor] = []
        self.boundary: list[Node] = []
        self.mark: tuple[int, int, int, int] | None = None  # where the network stood before the region

    def forget(self, gone: Mapping[Tensor, None], removed: list[Node]) -> None:
        """Drop this open region's references to layers removed from the network: those that a nested
        region whose definition failed made (a ConditionalInput bringing a value into this region, say;
        see ``Network._forget_since``)."""
        dropped = {id(node) for node in removed}
        self.boundary = [node for node in self.boundary if id(node) not in dropped]
        self.results = [t for t in self.results if t not in gone]

    # -- identity -------------------------------------------------------------------------------------
    @property
    def region(self) -> Region:
        """The IR region (created with the first boundary layer, so regions are numbered in layer order)."""
        if self._region is None:
            net = self._net()
            self._region = new_region(net, self.kind, self._name)
            self.state_().builders[self._region] = self
        return self._region

    @property
    def name(self) -> str:
        return self.region.name

    def describe(self) -> str:
        return describe(self.region)

    def _net(self) -> Network:
        assert self.network is not None, "attached before use"
        return self.network

    def state_(self) -> State:
        assert self.state is not None, "attached before use"
        return self.state

    def scope_(self) -> BodyScope:
        assert self.scope is not None, "attached before use"
        return self.scope

    # -- scopes ---------------------------------------------------------------------------------------
    def _enter(self) -> None:
        if self.entered:
            raise RegionError(f"{type(self).__name__}: this region was already used in a with block; create "
                              "a new one")
        self.entered = True
        _OPEN.set(_OPEN.get() + (self,))

    def _attach(self, network: Network) -> None:
        """Put this region's scope on ``network`` (when its network becomes known)."""
        if self.network is not None:
            if network is not self.network:
                raise RegionError(f"{self.describe()} is in network {self.network.name!r} but is given a "
                                  f"tensor of {other_network(network, self.network)}; "
                                  f"{one_network_fix(self.network)}")
            return
        opened = _OPEN.get()
        index = opened.index(self) if self in opened else len(opened)
        for outer in opened[:index]:
            if outer.network is None:  # an enclosing loop that has not met a tensor yet
                outer._attach(network)
        if any(b.network is not None for b in opened[index + 1:]):
            raise RegionError(f"{type(self).__name__}: its first layer comes after a nested region's; pass "
                              "network= when creating it")
        self.network = network
        self.mark = network._mark()
        self.state = State.of(network)
        parent = network._scopes[-1]
        assert isinstance(parent, (State, BodyScope)), "the network's scopes are its State and region scopes"
        self.depth = len(network._scopes)
        self.scope = self._make_scope(parent)
        network._scopes.append(self.scope)

    @contextlib.contextmanager
    def _closed_on_error(self) -> Iterator[None]:
        """Close the region, undone, if its with block fails to start (``__exit__`` is not called then)."""
        try:
            yield
        except BaseException:
            self._close(failed=True)
            raise

    def _make_scope(self, parent: State | BodyScope) -> BodyScope:
        return BodyScope(self, parent, parent.context)

    def _network_from_open(self) -> Network | None:
        """The network of the innermost enclosing region, if any."""
        opened = _OPEN.get()
        index = opened.index(self) if self in opened else len(opened)
        for b in reversed(opened[:index]):
            if b.network is not None:
                return b.network
        return None

    def _require_here(self, method: str, scope: Any = None) -> None:
        """Raise unless the innermost scope is this region's (``scope`` if given)."""
        if self.closed:
            raise RegionError(f"{method}: {self.describe()} has ended (its with block is closed)")
        if not self.entered or self.network is None:
            return
        here = self.network._scopes[-1]
        if here is not (scope or self.scope):
            raise RegionError(f"{method}: call it directly in the with block of {self.describe()}, not "
                              "inside a nested loop or conditional")

    def _outer(self, t: Tensor, what: str) -> Tensor:
        """``t`` as a value entering this region from outside: checked, and routed by enclosing scopes."""
        state, scope = self.state_(), self.scope
        assert scope is not None
        state.check_visible(scope.parent, t, what)
        if self in state.members.get(t, EMPTY):
            raise RegionError(f"{what}: %{t.name} is computed inside {self.describe()}; it must come from "
                              "outside the region")
        return scope.parent.route(t)

    def _add(self, op: Op, inputs: tuple[Tensor | None, ...], name: str | None) -> tuple[Tensor, ...]:
        """Add a boundary layer (inputs already routed)."""
        state = self.state_()
        with state.raw_mode():
            outs = self._net().add(op, inputs, name=name)
        node = self._net().nodes[-1]
        self.boundary.append(node)
        return outs

    def _result(self, t: Tensor) -> Tensor:
        self.results.append(t)
        self.state_().results[t] = self
        return t

    def _close(self, failed: bool) -> None:
        """End the with block: find the region's parent by data flow, and let its results out; where the
        block ``failed`` (an exception in it, or a region left incomplete), remove every layer made since
        the region began, nested regions' included, so that the network is as it was before it."""
        _OPEN.set(tuple(b for b in _OPEN.get() if b is not self))
        self.closed = True
        if self.network is None:
            return
        state = self.state_()
        seen: frozenset[RegionBuilder] = EMPTY
        for node in self.boundary:
            for t in node.inputs:
                if t is not None:
                    seen = seen | state.members.get(t, EMPTY)
        seen = seen - {self}
        if seen:
            parent = max(seen, key=lambda b: b.depth)
            self.ancestors = frozenset({parent})
        for t in self.results:
            del state.results[t]
            members = (state.members.get(t, EMPTY) - {self}) | self.ancestors
            if members:
                state.members[t] = members
            else:
                state.members.pop(t, None)
        scopes = self.network._scopes
        if any(s is self.scope for s in scopes):
            while scopes.pop() is not self.scope:
                pass  # scopes of nested blocks that an exception left open
        if failed and self.mark is not None:
            self.network._forget_since(self.mark)
