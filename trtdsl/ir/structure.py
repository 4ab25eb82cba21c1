"""Which layers are inside which loop or conditional, by TensorRT's data-flow rule, and the checks
TensorRT applies to regions.

TensorRT does not record a loop's or a conditional's layers: it infers them. A layer is inside loop
``L`` when it depends on an output of one of ``L``'s Iterator or Recurrence layers; it is inside
conditional ``C`` when it depends on one of ``C``'s ConditionalInput layers. Values leave a region only
through its LoopOutput / ConditionalOutput layers. Nesting is inferred the same way: region ``X`` is
inside region ``Y`` when one of ``X``'s boundary layers reads a value computed inside ``Y`` (developer
guide, "Nested Loops" and "Nesting and Loops"). Within a conditional, a layer belongs to the true
(false) branch when a ConditionalOutput's input 0 (1) depends on it; a layer both branches depend on
is a cross-branch edge, which TensorRT rejects.

:func:`analyze` computes this once per network version (cached like the interpreter's plan) and
raises a :class:`~trtdsl.errors.RegionError` naming the offending layer and its user's line for
every network TensorRT would reject.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("s")
>>> xs = net.input("xs", td.float32, (3, 2))
>>> with td.Loop(trip_count=3) as loop:
...     x = loop.iterate(xs)
...     acc = loop.carry(np.zeros(2, np.float32))
...     acc.update(acc + x)
...     total = loop.last(acc)
>>> s = analyze(net)
>>> loop = (net.regions[0], None)
>>> [r.name for r in s.regions], s.frame_of(x.producer) == s.frame_of(total.producer) == loop
(['loop_0'], True)
>>> s.tensor_frame(total) is None      # the loop's result is outside the loop
True
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Callable, Optional, Tuple, Union, cast

from trtdsl.errors import RegionError
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region
from trtdsl.ir.tensor import Tensor

if TYPE_CHECKING:
    from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
    from trtdsl.ir.network import Network
    from trtdsl.loops.ops import IteratorLayer, LoopOutputLayer, RecurrenceLayer, TripLimitLayer

    BoundaryOp = Union[TripLimitLayer, IteratorLayer, RecurrenceLayer, LoopOutputLayer, ConditionLayer,
                       ConditionalInputLayer, ConditionalOutputLayer]

LOOP_KINDS = ("TripLimit", "Iterator", "Recurrence", "LoopOutput")
CONDITIONAL_KINDS = ("Condition", "ConditionalInput", "ConditionalOutput")
BOUNDARY_KINDS = frozenset(LOOP_KINDS + CONDITIONAL_KINDS)

# Layer kinds trtdsl rejects inside a loop or a conditional. TensorRT's list of the layers allowed in
# flow-control constructs (the Support Matrix) is UNCONFIRMED (not retrieved); trtdsl's reading rejects
# only what cannot work by TensorRT's documented rules: an Assertion's input must be a shape tensor,
# known when shapes are computed, before any loop iteration or branch runs.
NOT_IN_REGIONS: dict[str, str] = {
    "Assertion": "its input must be a shape tensor, known before the loop or branch runs",
}

# A frame: where a layer lives. ``(region, None)`` for a loop's interior and for every region's own
# boundary layers; ``(conditional, True/False)`` for a branch; ``None`` for the network's top level.
Frame = Optional[Tuple[Region, Optional[bool]]]


def describe(region: Region) -> str:
    """``loop 'loop_0'`` or ``conditional 'if_0'``."""
    return f"{'loop' if region.is_loop else 'conditional'} {region.name!r}"


def boundary_op(node: Node) -> BoundaryOp:
    """The op of boundary layer ``node``. The loop and conditional ops are defined in packages above
    this one, so the analysis tells them by kind."""
    assert node.op.kind in BOUNDARY_KINDS, f"{node!r} is not a loop or conditional boundary layer"
    return cast("BoundaryOp", node.op)


def _trip_limit(node: Node) -> str:
    """The trip limit kind (``"COUNT"`` or ``"WHILE"``) of TripLimit layer ``node``."""
    return cast("TripLimitLayer", boundary_op(node)).trip_limit.name


def _error(node: Node, message: str) -> RegionError:
    return RegionError(f"{node.op.label()} (layer {node.name}): {message}", location=node.location)


class RegionInfo:
    """One region: its boundary layers (in network order), where it sits, and its depth."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.boundary: list[Node] = []
        self.parent: Frame = None
        self.depth = 0

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.boundary if n.op.kind == kind]

    def trip_limit(self, name: str) -> Node | None:
        """The TripLimit layer of kind ``name`` (``"COUNT"`` or ``"WHILE"``), if any."""
        for n in self.of_kind("TripLimit"):
            if _trip_limit(n) == name:
                return n
        return None


class Structure:
    """The regions of a network and the frame of every layer (see :data:`Frame`)."""

    def __init__(self, regions: dict[Region, RegionInfo], frames: dict[Node, Frame],
                 nodes: list[Node]) -> None:
        self.info = regions
        self.frames = frames
        self.index = {n: i for i, n in enumerate(nodes)}
        self._items: dict[Frame, list[Node | Region]] = {}
        for node in nodes:
            self._items.setdefault(frames[node], []).append(node)
        for region, info in regions.items():
            self._items.setdefault(info.parent, []).append(region)
        for items in self._items.values():
            items.sort(key=self.first_index)

    @property
    def regions(self) -> list[Region]:
        return list(self.info)

    def first_index(self, item: Node | Region) -> int:
        """A layer's position in the network, or a region's first boundary layer's."""
        node = self.info[item].boundary[0] if isinstance(item, Region) else item
        return self.index[node]

    def frame_of(self, node: Node) -> Frame:
        """Where ``node`` lives; a region's boundary layers live in the region (``(region, None)``)."""
        return self.frames[node]

    def tensor_frame(self, tensor: Tensor) -> Frame:
        """Where ``tensor``'s value lives: a LoopOutput's or ConditionalOutput's value is outside its
        region."""
        node = tensor.producer
        if node is None:
            return None
        if node.op.kind in ("LoopOutput", "ConditionalOutput"):
            return self.info[boundary_op(node).region].parent
        return self.frames[node]

    def items(self, frame: Frame) -> list[Node | Region]:
        """The layers and regions directly in ``frame``, in network order."""
        return self._items.get(frame, [])

    def item_in(self, frame: Frame, node: Node) -> Node | Region | None:
        """What ``node`` is part of at the level of ``frame``: the node itself when it lives there, the
        region of ``frame``'s that contains it, or None when it is not inside ``frame``."""
        f = self.frames[node]
        region = None
        while f != frame:
            if f is None:
                return None
            region = f[0]
            f = self.info[region].parent
        return node if region is None else region

    def ordered(self, frame: Frame) -> list[Node | Region]:
        """The items of ``frame`` in network order, moved only as needed so that each comes after the
        items it uses (a recurrence's next value, the loop's back edge, does not count)."""
        items = self.items(frame)
        deps: dict[Node | Region, set[Node | Region]] = {}
        for item in items:
            found: set[Node | Region] = set()
            for node in self.nodes_in(item) if isinstance(item, Region) else [item]:
                ins = node.inputs[:1] if node.op.kind == "Recurrence" and item is node else node.inputs
                for t in ins:
                    if t is not None and t.producer is not None:
                        dep = self.item_in(frame, t.producer)
                        if dep is not None and dep is not item:
                            found.add(dep)
            deps[item] = found
        users: dict[Node | Region, list[Node | Region]] = {item: [] for item in items}
        waiting = {item: len(found) for item, found in deps.items()}
        for item, found in deps.items():
            for dep in found:
                users[dep].append(item)
        # items are in network order, so their position orders them like their first layers
        position = {item: k for k, item in enumerate(items)}
        ready = [position[item] for item in items if not waiting[item]]
        heapq.heapify(ready)
        order: list[Node | Region] = []
        while ready:
            item = items[heapq.heappop(ready)]
            order.append(item)
            for user in users[item]:
                waiting[user] -= 1
                if not waiting[user]:
                    heapq.heappush(ready, position[user])
        if len(order) < len(items):  # a cycle, which analyze() reports when the network runs
            order += [item for item in items if waiting[item]]
        return order

    def nodes_in(self, region: Region) -> list[Node]:
        """Every layer of ``region``: its boundary layers and its interior, nested regions included."""
        found: list[Node] = []
        frames = [(region, None)] if region.is_loop else [(region, None), (region, True), (region, False)]
        for frame in frames:
            for item in self.items(frame):
                found.extend(self.nodes_in(item) if isinstance(item, Region) else [item])
        return found


def analyze(network: Network) -> Structure:
    """The region structure of ``network`` by TensorRT's data-flow rule; raises a RegionError for a
    network TensorRT would reject. Cached until the network changes."""
    structure: Structure = network.derived("regions", lambda: _Analysis(network).run())
    return structure


class _Analysis:
    """Region membership as bit masks: bit ``i`` is ``network.regions[i]``-indexed region order."""

    def __init__(self, network: Network) -> None:
        self.nodes = network.nodes
        self.outputs = network.outputs
        self.info: dict[Region, RegionInfo] = {}
        for node in self.nodes:
            if node.op.kind in BOUNDARY_KINDS:
                region = boundary_op(node).region
                info = self.info.get(region)
                if info is None:
                    info = self.info[region] = RegionInfo(region)
                info.boundary.append(node)
        self.order = sorted(self.info, key=lambda r: r.index)
        self.bit = {r: 1 << i for i, r in enumerate(self.order)}
        self.anc: dict[Region, int] = {r: 0 for r in self.order}
        self.mask: dict[Tensor, int] = {}
        self.node_mask: dict[Node, int] = {}
        self._inner_cache: dict[int, Region | None] = {0: None}

    # -- masks ----------------------------------------------------------------------------------------
    def m(self, t: Tensor | None) -> int:
        return 0 if t is None else self.mask.get(t, 0)

    def compute_masks(self) -> None:
        """Each tensor's raw membership, iterated to a fixed point over the recurrences' back edges."""
        mask, bit, anc = self.mask, self.bit, self.anc
        mask.clear()
        while True:
            for node in self.nodes:
                kind = node.op.kind
                if kind not in BOUNDARY_KINDS:
                    value = 0
                    for t in node.inputs:
                        if t is not None:
                            value |= mask.get(t, 0)
                    self.node_mask[node] = value
                else:
                    region = boundary_op(node).region
                    self.node_mask[node] = bit[region] | anc[region]
                    ins = node.inputs
                    if kind in ("Iterator", "ConditionalInput"):
                        value = self.m(ins[0]) | bit[region]
                    elif kind == "Recurrence":
                        value = self.m(ins[0]) | (self.m(ins[1]) if len(ins) > 1 else 0) | bit[region]
                    elif kind in ("LoopOutput", "ConditionalOutput"):
                        value = self.m(ins[0]) | (self.m(ins[1]) if len(ins) > 1 else 0)
                        value = (value & ~bit[region]) | anc[region]
                    else:
                        continue
                for out in node.outputs:
                    if value:
                        mask[out] = value
            if all(mask.get(n.outputs[0], 0)
                   == self.m(n.inputs[0]) | self.m(n.inputs[1]) | bit[boundary_op(n).region]
                   for info in self.info.values() for n in info.of_kind("Recurrence") if len(n.inputs) > 1):
                return

    # -- nesting --------------------------------------------------------------------------------------
    def nest(self) -> bool:
        """Derive each region's ancestors from the values its boundary layers read; True if changed."""
        evidence: dict[Region, int] = {}
        entry: dict[Region, int] = {}
        witness: dict[tuple[Region, Region], tuple[Node, Tensor]] = {}
        for region, info in self.info.items():
            seen = entered = 0
            for node in info.boundary:
                for i, t in enumerate(node.inputs):
                    if t is None:
                        continue
                    mask = self.m(t) & ~self.bit[region]
                    seen |= mask
                    if is_entry(node, i):
                        entered |= mask
                    else:
                        for other in self._regions_in(mask):
                            witness.setdefault((region, other), (node, t))
            evidence[region], entry[region] = seen, entered
        for x in self.order:
            for y in self._regions_in(evidence[x]):
                if evidence[y] & self.bit[x] and entry[x] & self.bit[y] and not entry[y] & self.bit[x]:
                    # x is nested in y (x's inputs come from y); y reading x's interior is a leak
                    node, t = witness[(y, x)]
                    raise _error(node, f"%{t.name} is computed inside {describe(x)}, which is nested in "
                                       f"{describe(y)}; use {describe(x)}'s outputs instead")
        resolved: dict[Region, int] = {}

        def ancestors(region: Region, path: tuple[Region, ...]) -> int:
            if region in resolved:
                return resolved[region]
            if region in path:
                other = path[path.index(region) + 1] if path.index(region) + 1 < len(path) else path[-1]
                raise self._unclear(region, other)
            total = evidence[region]
            for s in self._regions_in(evidence[region]):
                total |= ancestors(s, path + (region,))
            if total & self.bit[region]:
                raise self._unclear(region, self._regions_in(evidence[region])[0])
            resolved[region] = total
            return total

        for region in self.order:
            ancestors(region, ())
        for region in self.order:
            chain = self._regions_in(resolved[region])
            for a in chain:
                for b in chain:
                    if a is not b and not (resolved[a] & self.bit[b] or resolved[b] & self.bit[a]):
                        raise self._unclear(a, b, region)
        changed = resolved != self.anc
        self.anc = resolved
        self._inner_cache = {0: None}
        return changed

    def _unclear(self, a: Region, b: Region, inner: Region | None = None) -> RegionError:
        node = self.info[inner or a].boundary[0]
        if inner is not None:
            why = (f"{describe(inner)} reads values computed inside {describe(a)} and inside {describe(b)}, "
                   "which are not nested in one another")
        else:
            why = f"{describe(a)} and {describe(b)} each use values computed inside the other"
        return RegionError(f"unclear nesting: {why}; TensorRT infers nesting from data flow and rejects this "
                           f"(first boundary layer: {node.name})", location=node.location)

    def _regions_in(self, mask: int) -> list[Region]:
        return [r for r in self.order if mask & self.bit[r]]

    def inner(self, mask: int) -> Region | None:
        """The innermost region of ``mask`` (None for the top level); the mask must be a nesting chain."""
        try:
            return self._inner_cache[mask]
        except KeyError:
            pass
        best = max(self._regions_in(mask), key=lambda r: self.anc[r].bit_count())
        if mask & ~(self.bit[best] | self.anc[best]):
            raise KeyError(mask)
        self._inner_cache[mask] = best
        return best

    def inner_or_error(self, mask: int, node: Node) -> Region | None:
        try:
            return self.inner(mask)
        except KeyError:
            regions = self._regions_in(mask)
            a, b = next((a, b) for a in regions for b in regions
                        if a is not b and not (self.anc[a] & self.bit[b] or self.anc[b] & self.bit[a]))
            raise _error(node, f"uses values computed inside {describe(a)} and inside {describe(b)}, which "
                               "are not nested in one another; a value leaves a loop only through a loop "
                               "output (loop.collect/loop.last) and a conditional only through a conditional "
                               "output (branch.output)") from None

    def inside(self, mask: int, region: Region) -> bool:
        """Whether a value of ``mask`` is computed inside ``region`` (or a region nested in it)."""
        inner = self.inner(mask)
        return inner is not None and (inner is region or bool(self.anc[inner] & self.bit[region]))

    # -- the whole analysis ---------------------------------------------------------------------------
    def run(self) -> Structure:
        self.check_counts()
        for _ in range(len(self.order) + 1):
            self.compute_masks()
            if not self.nest():
                break
        frames: dict[Node, Frame] = {}
        for node in self.nodes:
            inner = self.inner_or_error(self.node_mask[node], node)
            for t in node.inputs:
                source = None if t is None else t.producer
                if t is None or source is None or source.op.kind not in ("LoopOutput", "ConditionalOutput"):
                    continue
                result_of = boundary_op(source).region
                if self.inside(self.node_mask[node], result_of):
                    raise _error(node, f"uses %{t.name}, a result of {describe(result_of)}, inside "
                                       "that region; a region's results exist only after it ends")
            if node.op.kind not in BOUNDARY_KINDS and inner is not None and node.op.kind in NOT_IN_REGIONS:
                raise _error(node, f"a {node.op.kind} layer cannot be inside {describe(inner)}: "
                                   f"{NOT_IN_REGIONS[node.op.kind]}")
            frames[node] = (inner, None) if inner is not None else None
        for region in self.order:
            self.check_boundary(self.info[region])
        marks = self.branches()
        for node, frame in frames.items():
            if frame is not None and not frame[0].is_loop and node.op.kind not in BOUNDARY_KINDS:
                frames[node] = (frame[0], marks[frame[0]].get(node))
        for region in self.order:
            info = self.info[region]
            parent = self.inner(self.anc[region]) if self.anc[region] else None
            info.depth = self.anc[region].bit_count()
            if parent is None:
                info.parent = None
            elif parent.is_loop:
                info.parent = (parent, None)
            else:
                info.parent = (parent, marks[parent].get(info.boundary[0]))
        for name, t in self.outputs.items():
            producer = t.producer
            inner = None if producer is None else self.inner_or_error(self.m(t), producer)
            if inner is not None:
                assert producer is not None
                raise RegionError(f"output {name!r}: %{t.name} is computed inside {describe(inner)}; "
                                  "TensorRT does not allow a network output inside a loop or conditional "
                                  "(mark the region's result instead)", location=producer.location)
        return Structure({r: self.info[r] for r in self.order}, frames, self.nodes)

    def check_counts(self) -> None:
        for region in self.order:
            info = self.info[region]
            first = info.boundary[0]
            if region.is_loop:
                for kind in ("COUNT", "WHILE"):
                    limits = [n for n in info.of_kind("TripLimit") if _trip_limit(n) == kind]
                    if len(limits) > 1:
                        raise _error(limits[1], f"{describe(region)} already has a {kind} trip limit "
                                                f"({limits[0].name}); TensorRT allows one of each kind")
                if not info.of_kind("TripLimit"):
                    raise RegionError(f"{describe(region)} has no trip limit; TensorRT needs a COUNT or a "
                                      "WHILE limit (first boundary layer: "
                                      f"{first.name})", location=first.location)
                for rec in info.of_kind("Recurrence"):
                    if len(rec.inputs) < 2 or rec.inputs[1] is None:
                        raise _error(rec, f"the recurrence of {describe(region)} has no next value (input "
                                          "1); set it with carry.update(next) (TensorRT's setInput(1, next))")
            else:
                conditions = info.of_kind("Condition")
                if len(conditions) != 1:
                    where = first if not conditions else conditions[1]
                    raise _error(where, f"{describe(region)} has {len(conditions)} Condition layers; "
                                        "TensorRT needs exactly one")
                if not info.of_kind("ConditionalOutput"):
                    raise RegionError(f"{describe(region)} has no output; TensorRT needs at least one "
                                      "ConditionalOutput (branch.output(then_value, else_value))",
                                      location=first.location)

    def check_boundary(self, info: RegionInfo) -> None:
        region = info.region
        entry = {
            "Iterator": "the tensor it iterates over must come from outside the loop",
            "Recurrence": "a recurrence's initial value must come from outside the loop",
            "TripLimit": "a COUNT trip limit must be available before the loop starts",
            "LoopOutput": "the concatenation length must be defined before the loop",
            "Condition": "the condition must be computed outside the conditional",
            "ConditionalInput": "a conditional input must come from outside the conditional",
        }
        for node in info.boundary:
            kind = node.op.kind
            for i, t in enumerate(node.inputs):
                if t is None:
                    continue
                mask = self.m(t)
                if is_entry(node, i):
                    if self.inside(mask, region):
                        raise _error(node, f"%{t.name} is computed inside {describe(region)}; {entry[kind]}")
                    continue
                inner = self.inner(mask)
                if inner is not None and inner is not region and self.anc[inner] & self.bit[region]:
                    raise _error(node, f"%{t.name} is computed inside {describe(inner)}, which is nested in "
                                       f"{describe(region)}; use {describe(inner)}'s outputs instead")
                if kind == "LoopOutput" and inner is not region:
                    raise _error(node, f"%{t.name} is not computed inside {describe(region)} (it does not "
                                       "depend on the loop's iterators or recurrences); TensorRT requires a "
                                       "loop output's value to come from inside the loop")
            if kind == "LoopOutput" and cast("LoopOutputLayer", node.op).loop_output.name == "LAST_VALUE":
                value = node.input(0)
                source = value.producer
                if source is None or source.op.kind != "Recurrence" or boundary_op(source).region != region:
                    raise _error(node, f"LAST_VALUE needs a recurrence of {describe(region)}, but "
                                       f"%{value.name} is not one (use loop.collect for other "
                                       "values, or carry the value)")
            if kind == "Iterator" and cast("IteratorLayer", node.op).reverse \
                    and info.trip_limit("COUNT") is None:
                raise _error(node, "a reverse iterator reads x[M-1-i] where M is the COUNT trip count, but "
                                   f"{describe(region)} has no COUNT trip limit")
            if kind == "TripLimit" and _trip_limit(node) == "WHILE":
                self.check_while(node, region)

    def check_while(self, node: Node, region: Region) -> None:
        bad = while_violation(node.input(0), region, lambda n: self.inside(self.node_mask[n], region))
        if bad is not None:
            raise _error(node, while_message(bad))

    def branches(self) -> dict[Region, dict[Node, bool]]:
        """For each conditional, the branch (True/False) of every layer inside it, found from its
        ConditionalOutputs' inputs backwards; layers in neither cone are dead and get no entry."""
        result: dict[Region, dict[Node, bool]] = {}
        for region in self.order:
            if region.is_loop:
                continue
            info = self.info[region]
            marks: dict[bool, set[Node]] = {True: set(), False: set()}
            for b, index in ((True, 0), (False, 1)):
                mine = marks[b]
                stack = [out.input(index).producer for out in info.of_kind("ConditionalOutput")]
                while stack:
                    node = stack.pop()
                    if node is None or node in mine or not self.inside(self.node_mask[node], region):
                        continue
                    if node.op.kind in CONDITIONAL_KINDS and boundary_op(node).region == region:
                        continue
                    if node in marks[not b]:
                        raise _error(node, f"both branches of {describe(region)} use it; TensorRT allows no "
                                           "edges between the true branch and the false branch (compute it "
                                           "before the conditional, or once in each branch)")
                    mine.add(node)
                    stack.extend(t.producer for t in node.inputs if t is not None)
                    if node.op.kind in BOUNDARY_KINDS:
                        stack.extend(self.info[boundary_op(node).region].boundary)
            result[region] = {node: b for b, nodes in marks.items() for node in nodes}
        return result


def is_entry(node: Node, index: int) -> bool:
    """Whether input ``index`` of boundary layer ``node`` brings a value into its region from outside
    (rather than reading the region's own interior)."""
    kind = node.op.kind
    return (kind in ("Iterator", "Condition", "ConditionalInput") or (kind == "Recurrence" and index == 0)
            or (kind == "TripLimit" and _trip_limit(node) == "COUNT")
            or (kind == "LoopOutput" and index == 1))


def while_violation(condition: Tensor, region: Region, inside: Callable[[Node], bool]) -> Node | None:
    """The first layer that TensorRT does not allow in the subgraph computing a WHILE limit: an
    Iterator, a LoopOutput, or a Recurrence of another loop (``inside`` says whether a layer is in the
    loop; the search stops at layers outside it and at the loop's own recurrences)."""
    stack, seen = [condition], set()
    while stack:
        producer = stack.pop().producer
        if producer is None or producer in seen or not inside(producer):
            continue
        seen.add(producer)
        kind = producer.op.kind
        if kind == "Recurrence" and boundary_op(producer).region == region:
            continue
        if kind in ("Iterator", "LoopOutput", "Recurrence"):
            return producer
        stack.extend(x for x in producer.inputs if x is not None)
    return None


def while_message(bad: Node) -> str:
    """Why the layer ``bad`` may not be in a WHILE condition's subgraph."""
    return (f"the WHILE condition depends on {bad.op.label()} layer {bad.name}; TensorRT computes it only "
            "from the loop's recurrences (and values from outside the loop), without iterators or nested "
            "loops")
