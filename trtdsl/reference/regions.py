"""Running loops and conditionals on the NumPy reference, with TensorRT's semantics.

Loops follow the developer guide's lazy-sequence semantics (section "Formal Semantics"): the
interpreter runs, per iteration, only the body layers that the loop's needed results depend on, and
only iterates while the COUNT limit and the WHILE condition (checked before each iteration, from the
current recurrence values) allow. Recurrences are updated together after each iteration. A
conditional runs only its taken branch's layers.

A plan (:class:`RegionPlan`) is made once per network version, like the plain interpreter's, and
holds a block of steps per loop body and branch. Inside a loop body, the dtype and shape every layer
must produce are worked out once per run of the loop, so that each iteration checks a result with
one comparison.

Readings where TensorRT is UNCONFIRMED (``docs/loops.md`` explains them):

* A CONCATENATE/REVERSE length larger than the number of iterations pads with zeros (TensorRT:
  "arbitrary values"); a smaller one is an error. REVERSE writes iteration ``i`` at index
  ``length - 1 - i``, so its padding comes first.
* Reading an iterator past its tensor's extent is an error (TensorRT: "invalid").
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, cast

import numpy as np

from trtdsl.conditionals.ops import ConditionalInputLayer
from trtdsl.errors import DSLError, ExecutionError
from trtdsl.ir.dims import evaluate
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region
from trtdsl.ir.structure import Frame, Structure, analyze, describe
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation
from trtdsl.loops.ops import IteratorLayer, LoopOutputLayer
from trtdsl.reference.interpreter import (Expected, Program, check_result, evaluate_node, failure,
                                         first_input, free_after, getter, needed_nodes, second_input,
                                         sole_sum)

# A step of a block: a layer, or a nested loop or conditional.
Step = Any


class RegionPlan:
    """The steps that compute a network's outputs, with loops and conditionals as nested blocks."""

    def __init__(self, network: Network) -> None:
        self.structure = structure = analyze(network)
        self.needed = _needed(network, structure)
        self._steps: dict[Region, LoopStep | IfStep] = {}
        targets = list(network.outputs.values())
        # layers that always run (assertions) are at the top level: NOT_IN_REGIONS keeps them out of regions
        roots = [n for n in network.nodes if n.op.always_runs]
        self.steps, _, _ = self.block(None, targets, roots=roots)
        uses = [step.inputs if isinstance(step, Node) else step.uses for step in self.steps]
        self.free_after = free_after(uses, targets)

    def block(
        self, frame: Frame, targets: list[Tensor], done: set[Node | Region] | None = None,
        roots: Sequence[Node] = (),
    ) -> tuple[list[Step], list[Tensor], list[Tensor]]:
        """The steps of ``frame`` that compute ``targets`` and run the layers ``roots`` (depth first, each
        step after what it uses), the tensors from outside the frame they use, and the tensors they
        produce."""
        structure = self.structure
        order: list[Step] = []
        outer: dict[Tensor, None] = {}
        made: list[Tensor] = []
        state: dict[Any, int] = dict.fromkeys(done or (), 2)

        def item_of(t: Tensor) -> Any:
            node = t.producer
            if node is None:
                outer[t] = None  # a network input
                return None
            if frame is not None and not frame[0].is_loop and isinstance(node.op, ConditionalInputLayer) \
                    and node.op.region == frame[0]:
                return node
            item = structure.item_in(frame, node)
            if item is None:
                outer[t] = None
            elif isinstance(item, Node) and item.op.kind in ("Iterator", "Recurrence"):
                return None  # set by the loop, iteration by iteration
            return item

        def deps(item: Any) -> list[Tensor]:
            if isinstance(item, Node):
                return [t for t in item.inputs if t is not None]
            return self.step_for(item).uses

        stack = [item for item in (item_of(t) for t in targets) if item is not None] + list(roots)
        while stack:
            item = stack[-1]
            status = state.get(item)
            if status == 2:
                stack.pop()
                continue
            if status is None:
                state[item] = 1
                found = (item_of(t) for t in deps(item))
                stack.extend(d for d in found if d is not None and state.get(d) != 2)
                continue
            stack.pop()
            for d in (item_of(t) for t in deps(item)):
                if d is not None and state.get(d) != 2:
                    raise _cycle(item, d)
            state[item] = 2
            if isinstance(item, Node):
                order.append(item)
                made.extend(item.outputs)
            else:
                step = self.step_for(item)
                order.append(step)
                made.extend(step.results)
        return order, list(outer), made

    def step_for(self, region: Region) -> LoopStep | IfStep:
        step = self._steps.get(region)
        if step is None:
            step = self._steps[region] = (LoopStep if region.is_loop else IfStep)(self, region)
        return step


def _cycle(item: Any, dep: Any) -> ExecutionError:
    def what(x: Any) -> str:
        return f"layer {x.name}" if isinstance(x, Node) else describe(x)

    node = item if isinstance(item, Node) else None
    return ExecutionError(f"the network has a cycle through {what(item)} and {what(dep)}: a region's result "
                          "is used inside the region "
                          "itself", location=node.location if node is not None else None)


def _needed(network: Network, structure: Structure) -> set[Node]:
    """The layers the outputs need: data dependencies, plus the trip limits and condition of every
    region a needed layer is in."""
    regions: set[Region] = set()

    def controls(node: Node) -> list[Node]:
        found: list[Node] = []
        frame = structure.frames[node]
        while frame is not None and frame[0] not in regions:
            region = frame[0]
            regions.add(region)
            boundary = structure.info[region].boundary
            found.extend(n for n in boundary if n.op.kind in ("TripLimit", "Condition"))
            frame = structure.info[region].parent
        return found

    return needed_nodes(network, controls)


class LoopStep:
    """One loop: its trip limits, iterators, recurrences and outputs, and its body's steps."""

    def __init__(self, plan: RegionPlan, region: Region) -> None:
        self.region = region
        info = plan.structure.info[region]
        needed = plan.needed
        frame = (region, None)
        count, while_ = info.trip_limit("COUNT"), info.trip_limit("WHILE")
        self.count = count.input(0) if count is not None else None
        self.condition = while_.input(0) if while_ is not None else None
        iterators = [(n, n.op_as(IteratorLayer)) for n in info.of_kind("Iterator") if n in needed]
        self.iterators = [(n.outputs[0], n.input(0), op.axis, op.reverse, n) for n, op in iterators]
        recurrences = [n for n in info.of_kind("Recurrence") if n in needed]
        self.recurrences = [(n.outputs[0], n.input(0), n.input(1)) for n in recurrences]
        self.outputs = [n for n in info.of_kind("LoopOutput") if n in needed]
        self.collected = [n.input(0) for n in self.outputs
                          if n.op_as(LoopOutputLayer).loop_output.name != "LAST_VALUE"]
        self.cond_steps: list[Step] = []
        outer: list[Tensor] = []
        made: list[Tensor] = []
        if self.condition is not None:
            self.cond_steps, outer, made = plan.block(frame, [self.condition])
        done = {s if isinstance(s, Node) else s.region for s in self.cond_steps}
        targets = [nxt for _, _, nxt in self.recurrences] + self.collected
        self.body_steps, body_outer, body_made = plan.block(frame, targets, done)
        entry = [t for t in (self.count,) if t is not None] + [src for _, src, *_ in self.iterators]
        entry += [init for _, init, _ in self.recurrences]
        entry += [t for n in self.outputs for t in n.inputs[1:] if t is not None]
        self.uses = list(dict.fromkeys(outer + body_outer + entry))
        self.results = [n.outputs[0] for n in self.outputs]
        self.interior = made + body_made + [out for out, *_ in self.iterators]
        self.interior += [out for out, _, _ in self.recurrences]
        self.cond_fast = _Body(self.cond_steps, self.interior,
                               [t for t in (self.condition,) if t is not None])
        keep = [nxt for _, _, nxt in self.recurrences] + [n.input(0) for n in self.outputs]
        hoists = _hoists(self.body_steps, self.iterators, self.interior, keep) \
            if self.count is not None and self.condition is None else []
        self.body_fast = _Body(self.body_steps, self.interior, keep, hoists)

    def run(self, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
        count = None if self.count is None else int(values[self.count])
        for out, init, _ in self.recurrences:
            values[out] = values[init]
        sources = []
        for out, src, axis, reverse, node in self.iterators:
            array = values[src]
            sources.append((out, array, (slice(None),) * axis, array.shape[axis], reverse, node))
        collected: list[list[np.ndarray]] = [[] for _ in self.collected]
        cond = self.cond_fast.prepare(bindings, values)
        body = self.body_fast.prepare(bindings, values)
        # a loop with hoisted products has a COUNT limit (see _hoists); keys as the values dict takes them
        hoisted = [(cast(Any, h), h.products(values, cast(int, count), widths, transposed), h.reverse)
                   for h, widths, transposed in body.hoisted]
        last = -1 if count is None else count - 1
        # what each iteration does, looked up once: the body's run, where its values are collected, and
        # the recurrences' (value, next value) pairs
        run_body = body.program.run if body.program is not None else \
            lambda values, bindings: self.body_fast.run(body, values, bindings)
        stores = list(zip(collected, self.collected))
        recurrences = [(out, nxt) for out, _, nxt in self.recurrences]
        i = 0
        try:
            while count is None or i < count:
                if self.condition is not None:
                    self.cond_fast.run(cond, values, bindings)
                    if not values[self.condition]:
                        break
                for out, array, before, extent, reverse, node in sources:
                    # a reverse iterator needs a COUNT limit (analyze() checks it)
                    index = count - 1 - i if reverse and count is not None else i
                    if not 0 <= index < extent:
                        raise ExecutionError(
                            f"Iterator (layer {node.name}) of {describe(self.region)}: iteration {i} reads "
                            f"index {index} along axis {len(before)} of a tensor of shape {array.shape}; "
                            "TensorRT does not allow iterating past a tensor's "
                            "extent", location=node.location)
                    values[out] = array[before + (index, ...)]  # (with ..., a 0-D array, never a scalar)
                for key, products, reverse in hoisted:
                    values[key] = products[last - i if reverse else i]
                run_body(values, bindings)
                for store, t in stores:
                    store.append(values[t])
                nexts = [values[nxt] for _, nxt in recurrences]
                for (out, _), value in zip(recurrences, nexts):
                    values[out] = value
                i += 1
        except DSLError as exc:
            where = f"(in iteration {i} of {describe(self.region)})"
            raise type(exc)(exc.message, location=exc.location,
                            context=f"{exc.context}\n{where}" if exc.context else where) from exc
        stacks = iter(collected)
        for node in self.outputs:
            if node.op_as(LoopOutputLayer).loop_output.name == "LAST_VALUE":
                result = values[node.input(0)]
            else:
                result = self._stack(node, next(stacks), i, values, bindings)
            check_result(node, (result,), bindings)
            values[node.outputs[0]] = result
        for t in self.interior:
            values.pop(t, None)
        for key, _, _ in hoisted:
            values.pop(key, None)

    def _stack(self, node: Node, items: list[np.ndarray], n: int, values: dict[Tensor, np.ndarray],
               bindings: dict[str, int]) -> np.ndarray:
        """The CONCATENATE/REVERSE result: the ``n`` collected values stacked on the new axis, zero-padded
        to the length input."""
        length = int(values[node.input(1)])
        if length < n:
            raise ExecutionError(f"{node.op.label()} (layer {node.name}) of {describe(self.region)}: the "
                                 f"length input is {length} but the loop ran {n} iterations; TensorRT "
                                 "reports this as an error", location=node.location)
        op, value = node.op_as(LoopOutputLayer), node.input(0)
        if items:
            shape = items[0].shape
            differs = next((k for k, item in enumerate(items) if item.shape != shape), None)
            if differs is not None:
                raise ExecutionError(f"{node.op.label()} (layer {node.name}) of {describe(self.region)}: "
                                     f"%{value.name} ({value.type}) has shape {items[differs].shape} in "
                                     f"iteration {differs} but {shape} in iteration 0; TensorRT concatenates "
                                     "values of one shape", location=node.location)
        else:
            try:
                shape = tuple(evaluate(d, bindings) for d in value.shape)
            except KeyError:
                raise ExecutionError(f"{node.op.label()} (layer {node.name}): the loop ran no iteration and "
                                     f"the shape of %{value.name} ({value.type}) depends on values it would "
                                     "have computed", location=node.location) from None
        dtype = value.dtype.numpy
        reverse = op.loop_output.name == "REVERSE"
        if items:
            stacked = np.stack(items[::-1] if reverse else items)
        else:
            stacked = np.zeros((0,) + tuple(shape), dtype)
        if length > n:
            pad = np.zeros((length - n,) + tuple(shape), dtype)
            stacked = np.concatenate((pad, stacked) if reverse else (stacked, pad))
        return np.moveaxis(stacked, 0, op.axis)


class IfStep:
    """One conditional: its condition, and the steps and output values of each branch."""

    def __init__(self, plan: RegionPlan, region: Region) -> None:
        self.region = region
        info = plan.structure.info[region]
        (condition,) = info.of_kind("Condition")
        self.condition = condition.input(0)
        outputs = [n for n in info.of_kind("ConditionalOutput") if n in plan.needed]
        self.results = [n.outputs[0] for n in outputs]
        self.branches = {}
        uses: list[Tensor] = [self.condition]
        self.interior: list[Tensor] = []
        for which, index in ((True, 0), (False, 1)):
            values = [n.input(index) for n in outputs]
            steps, outer, made = plan.block((region, which), values)
            self.branches[which] = (steps, list(zip(self.results, values)))
            uses += outer
            self.interior += made
        self.uses = list(dict.fromkeys(uses))

    def run(self, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
        steps, outputs = self.branches[bool(values[self.condition])]
        run_steps(steps, values, bindings)
        for out, value in outputs:
            values[out] = values[value]
        for t in self.interior:
            values.pop(t, None)


def run_steps(steps: list[Step], values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
    """Run a block: layers with the interpreter's checks, nested regions by their own steps."""
    for step in steps:
        if isinstance(step, Node):
            evaluate_node(step, values, bindings)
        else:
            step.run(values, bindings)


class _Body:
    """A loop body's steps, run once per iteration: each layer's result is checked against the dtype
    and shape worked out when the loop starts (a layer whose shape depends on values computed in the
    loop gets the full check, with the named dims it binds forgotten after each iteration). A matrix
    product by a matrix from outside the loop (``varying`` lists the loop's own values) may take the
    faster form its op gives for a fixed operand (``MatrixMultiply.with_fixed_b``), made once per run of
    the loop, or once for all runs for a constant's matrix (:class:`_Kept`: the transposed copy of a
    512 x 1024 matrix costs about 0.6 ms).

    A body of layers only, whose every shape is known when the loop starts, runs as an interpreter
    :class:`~trtdsl.reference.interpreter.Program` over numbered slots, made once per run of the loop:
    ``keep`` (the values the loop reads after the body: the recurrences' next values and what the loop
    outputs, or the condition) are its outputs, so only values made and last read within one iteration
    are written in place (see :func:`~trtdsl.reference.interpreter.writable_inputs`). Such a program
    takes the products in ``hoists`` (see :class:`_Hoist`) from the arrays computed before the loop,
    and runs only the layers still needed. What a run of the loop works with is a :class:`_Prepared`
    that :meth:`prepare` returns, so that threads running the loop at once (ranks) each have their own."""

    def __init__(self, steps: list[Step], varying: list[Tensor], keep: list[Tensor],
                 hoists: Sequence[_Hoist] = ()) -> None:
        self.steps = steps
        self.varying = set(varying)
        self.keep = list(dict.fromkeys(keep))
        self.hoists = list(hoists)
        self.fixed: dict[Node, _Kept] = {}
        # the matrices from outside the loop that the products' forms are made of, and the last run's
        # sizes, matrices and preparation where it may serve again (see prepare)
        self.matrices = [step.input(1) for step in steps if isinstance(step, Node)
                         and step.op.kind == "MatrixMultiply" and step.input(1) not in self.varying]
        self.matrices += [hoist.weight for hoist in self.hoists]
        self.last: tuple[tuple[tuple[str, int], ...], list[np.ndarray], _Prepared] | None = None

    def prepare(self, bindings: dict[str, int], values: dict[Tensor, np.ndarray]) -> _Prepared:
        """Work out every layer's expected result for this run of the loop (``values``: those of the
        tensors from outside it). What the previous run of the loop worked out serves again where the
        inputs' sizes are the same and the products' matrices are the same constants' arrays (on the
        LSTM of 128 steps, 0.17 ms a run)."""
        matrices = [values[t] for t in self.matrices]
        sizes = tuple(sorted(bindings.items()))
        last = self.last  # the sizes and matrices themselves (held: their ids stay theirs)
        if last is not None and last[0] == sizes and all(a is b for a, b in zip(last[1], matrices)):
            return last[2]
        compiled: list[tuple[Any, ...]] = []  # (_REGION, step), (_CHECKED, node) or a _FAST entry
        dynamic = False
        program = None
        hoisted_now: list[tuple[_Hoist, list[int], bool]] = []
        forms: dict[Node, Callable[..., tuple[np.ndarray, ...]]] = {}
        expected: Expected = {}
        hoisted = {hoist.product for hoist in self.hoists}
        for step in self.steps:
            if not isinstance(step, Node):
                compiled.append((_REGION, step))
                continue
            try:
                shapes = [tuple(evaluate(d, bindings) for d in t.shape) for t in step.outputs]
            except KeyError:
                dynamic = True
                compiled.append((_CHECKED, step))
                continue
            if len(step.outputs) == 1 and all(t is not None for t in step.inputs):
                (out,) = step.outputs
                reference = step.op.reference
                if step.op.kind == "MatrixMultiply" and len(shapes[0]) == 2 \
                        and step.input(1) not in self.varying and step not in hoisted:
                    w, rows, op = values[step.input(1)], shapes[0][0], step.op_as(MatrixMultiply)
                    kept = self.fixed.setdefault(step, _Kept())
                    fixed = kept.get(w, rows, lambda: op.with_fixed_b(w, rows), _keepable(step.input(1), w))
                    if fixed is not None:
                        reference = forms[step] = fixed
                compiled.append((_FAST, reference, getter(step.inputs), out, out.dtype.numpy, shapes[0],
                                 step))
            else:
                compiled.append((_CHECKED, step))
            expected.update((t, (t.dtype.numpy, shape)) for t, shape in zip(step.outputs, shapes))
        if not dynamic and all(isinstance(step, Node) for step in self.steps):
            rewired: dict[Node, list[Any]] = {}
            for hoist in self.hoists:
                product = hoist.product.outputs[0]
                form, widths, transposed = hoist.form(values, bindings, expected[product][1][0])
                forms[hoist.product] = form
                hoisted_now.append((hoist, widths, transposed))
                rewired[hoist.product] = hoist.reads
                if hoist.bias is not None:
                    forms[hoist.bias] = first_input if hoist.bias.inputs[0] is product else second_input
            steps = _still_needed(self.steps, self.keep, rewired)
            program = Program({}, steps, self.keep, expected, forms, rewired)
        prepared = _Prepared(compiled, dynamic, program, hoisted_now)
        if all(_keepable(t, m) for t, m in zip(self.matrices, matrices)):
            self.last = (sizes, matrices, prepared)  # one assignment: threads see all of it or none
        return prepared

    def run(self, prepared: _Prepared, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
        """One iteration, as ``prepared`` (:meth:`prepare`) for this run of the loop."""
        if prepared.program is not None:
            prepared.program.run(values, bindings)
            return
        scratch = dict(bindings) if prepared.dynamic else bindings
        for item in prepared.compiled:
            kind = item[0]
            if kind is _FAST:
                _, reference, inputs, out, dtype, shape, node = item
                try:
                    results = reference(*inputs(values))
                except Exception as exc:
                    raise failure(node, exc, inputs(values)) from exc
                array = results[0]
                if array.__class__ is np.ndarray and array.shape == shape and array.dtype == dtype \
                        and len(results) == 1:
                    values[out] = array
                    continue
                if isinstance(results, tuple):
                    results = tuple(np.asarray(r) if isinstance(r, np.generic) else r for r in results)
                check_result(node, results, scratch)
                values[out] = results[0]
            elif kind is _CHECKED:
                evaluate_node(item[1], values, scratch)
            else:
                item[1].run(values, scratch)


_FAST, _CHECKED, _REGION = "fast", "checked", "region"


class _Prepared:
    """A loop body as prepared for a run of the loop (:meth:`_Body.prepare`): its steps as checked entries
    (``compiled``, with ``dynamic`` where some layer's shape is known only as it runs) or as a ``program``,
    and the products it takes from before the loop (``hoisted``: each hoist with its parts' widths and
    whether its arrays are transposed views, see :meth:`_Hoist.products`)."""

    __slots__ = ("compiled", "dynamic", "program", "hoisted")

    def __init__(self, compiled: list[tuple[Any, ...]], dynamic: bool, program: Program | None,
                 hoisted: list[tuple[_Hoist, list[int], bool]]) -> None:
        self.compiled, self.dynamic, self.program, self.hoisted = compiled, dynamic, program, hoisted


class _Hoist:
    """A loop body's matrix product ``a @ w`` by a float32 matrix ``w`` from outside the loop, where ``a``
    is an iterator's slice or ``np.concatenate(parts, axis=1)`` with some parts iterators' slices (all
    of one direction): ``a @ w`` is the sum over the parts of ``part @ w[rows of part]``, and the slices'
    share is computed for all iterations at once before the loop (:meth:`products`: one large product
    per iterator over its whole tensor, an array indexed by the iteration's index), each iteration then
    adding its slice of it to the product of the other parts (:meth:`form`). Where the product's one
    reader is an add of a value from outside the loop (``bias``, a bias of the product's shape after
    broadcasting), that value is added before the loop too and the add passes the sum on.

    Each element is the same dot product of length ``K``, split at the parts' boundaries and summed in
    another order (and BLAS picks its own order within each), so results agree with the layer-by-layer
    ones within float32 rounding. The layers' dtypes and shapes are checked as ever; an iterator read
    past its tensor's extent still fails, before the loop reads the hoisted array."""

    def __init__(self, product: Node, parts: list[Tensor], sources: dict[Tensor, tuple[Tensor, int, bool]],
                 bias: Node | None) -> None:
        self.product, self.bias = product, bias
        self.weight = product.input(1)
        self.parts = [(t, sources.get(t)) for t in parts]
        self.reverse = next(source[2] for _, source in self.parts if source is not None)
        self.reads: list[Any] = [t for t, source in self.parts if source is None] + [self]
        self.kept = _Kept()

    def form(self, values: dict[Tensor, np.ndarray], bindings: dict[str, int],
             rows: int) -> tuple[Callable[..., tuple[np.ndarray]], list[int], bool]:
        """The product's form for this run of the loop: ``form(*other_parts, hoisted) -> (a @ w,)`` (plus
        the bias where there is one), ``hoisted`` being this iteration's slice of :meth:`products`; and
        the parts' widths and whether the products' arrays are transposed views, which
        :meth:`products` takes."""
        widths = [evaluate(t.shape[1], bindings) for t, _ in self.parts]
        w = values[self.weight]
        products, transposed = self.kept.get(w, (tuple(widths), rows), lambda: self._fixed(w, rows, widths),
                                             _keepable(self.weight, w))

        def form(*args: np.ndarray) -> tuple[np.ndarray]:
            *others, hoisted = args
            if not others:
                return (hoisted,)  # this iteration's own slice: later layers may write into it
            out = products[0](others[0])
            for product, other in zip(products[1:], others[1:]):
                np.add(out, product(other), out=out)
            return (np.add(out, hoisted, out=out),)

        return form, widths, transposed

    def _fixed(self, w: np.ndarray, rows: int,
               widths: list[int]) -> tuple[list[Callable[[np.ndarray], np.ndarray]], bool]:
        """The products of the parts computed in the loop by their rows of ``w``, and whether all their
        results are transposed views."""
        products = []
        transposed = any(source is None for _, source in self.parts)
        row = 0
        for (_, source), width in zip(self.parts, widths):
            if source is None:
                product, each = _fixed_product(w[row:row + width], rows)
                products.append(product)
                transposed = transposed and each
            row += width
        return products, transposed

    def products(self, values: dict[Tensor, np.ndarray], count: int, widths: list[int],
                 transposed: bool) -> np.ndarray:
        """The iterators' share of the product (and the bias) for the first ``count`` indices along
        their axes: ``[sum(x[i] @ w[rows of x] for the sliced x) + bias for i in range(n)]``. Where the
        other parts' products are transposed views (:meth:`MatrixMultiply.with_fixed_b`), so is each
        item: adding arrays of one layout is several times faster than of opposite ones. A bias that is
        one row is added in the first product, as one more row of ``w`` times a column of ones (on the
        LSTM of 128 steps, batch 16, hidden 256: 2.9 ms against 3.25 ms): the last term of each dot
        product rather than added after it, which agrees within float32 rounding."""
        w = values[self.weight]
        bias = None
        if self.bias is not None:
            (b,) = (t for t in self.bias.inputs if t is not self.product.outputs[0])
            bias = values[cast(Tensor, b)]
        in_product = bias is not None and bias.size == bias.shape[-1] == w.shape[1]
        out = None
        row = 0
        for (_, source), width in zip(self.parts, widths):
            if source is not None:
                tensor, axis, _ = source
                x = values[tensor]
                x = np.moveaxis(x, axis, 0)[:max(0, min(count, x.shape[axis]))]
                rows, weights = x.reshape(-1, width), w[row:row + width]
                if in_product and out is None:
                    rows = np.concatenate([rows, np.ones((len(rows), 1), rows.dtype)], axis=1)
                    weights = np.concatenate([weights, cast(np.ndarray, bias).reshape(1, -1)])
                if transposed:
                    share = np.matmul(weights.T, rows.T).reshape(w.shape[1:] + x.shape[:-1])
                    share = share.transpose(1, 2, 0)
                else:
                    share = (rows @ weights).reshape(x.shape[:-1] + w.shape[1:])
                out = share if out is None else np.add(out, share, out=out)
            row += width
        assert out is not None  # a hoisted product has a slice among its parts
        out = cast(np.ndarray, out)
        if bias is not None and not in_product:
            np.add(out, bias, out=out)
        return out


class _Kept:
    """A value made from an array, kept across runs of a loop while the array is the same constant's array
    (see :func:`_keepable`) and the other arguments are equal."""

    def __init__(self) -> None:
        # (array, key, value) in one attribute, so that ranks running the loop in threads see all or none
        self.kept: tuple[np.ndarray, object, Any] | None = None

    def get(self, array: np.ndarray, key: object, make: Callable[[], Any], keep: bool) -> Any:
        """The value made from ``array`` (by ``make``) for ``key``, kept for the next call where ``keep``
        says the array's values never change (:func:`_keepable`)."""
        kept = self.kept
        if kept is not None and kept[0] is array and kept[1] == key:
            return kept[2]
        value = make()
        if keep:
            self.kept = (array, key, value)
        return value


def _keepable(tensor: Tensor, array: np.ndarray) -> bool:
    """Whether ``array``, the value of ``tensor``, is a constant's array, whose values never change: made by
    a layer (not a network input: that array is the caller's, whose read-only flag its owner may lift),
    read-only and owning its memory (a read-only view could change through its base)."""
    return tensor.producer is not None and not array.flags.writeable and array.base is None


def _fixed_product(w: np.ndarray, rows: int) -> tuple[Callable[[np.ndarray], np.ndarray], bool]:
    """``lambda a: a @ w`` for ``rows``-row matrices ``a``, in the faster form for a fixed ``w`` where
    there is one (:meth:`MatrixMultiply.with_fixed_b`), and whether its results are transposed views."""
    fixed = MatrixMultiply().with_fixed_b(w, rows)
    if fixed is not None:
        return (lambda a: fixed(a, w)[0]), True
    w = np.ascontiguousarray(w)
    return (lambda a: np.matmul(a, w)), False


def _hoists(steps: list[Step], iterators: list[tuple[Any, ...]], interior: list[Tensor],
            keep: list[Tensor]) -> list[_Hoist]:
    """The products of a loop body that :class:`_Hoist` can compute before the loop, found from the
    body's structure: ``a @ w`` (float32 matrices, neither transposed) with ``w`` from outside the loop
    and ``a`` an iterator's slice or a concatenation along axis 1, read by this product only, of parts
    at least one of which is an iterator's slice (all such of one direction). A product of a value
    computed in the loop (from a recurrence, say) is not hoisted."""
    sources = {out: (src, axis, reverse) for out, src, axis, reverse, _ in iterators}
    inside, kept = set(interior), set(keep)
    readers: dict[Tensor, list[Step]] = {}
    for step in steps:
        for t in step.inputs if isinstance(step, Node) else step.uses:
            if t is not None:
                readers.setdefault(t, []).append(step)
    found = []
    for node in steps:
        if not isinstance(node, Node) or node.op.kind != "MatrixMultiply":
            continue
        op = node.op_as(MatrixMultiply)
        a, w = node.input(0), node.input(1)
        if op.op0 is not MatrixOperation.NONE or op.op1 is not MatrixOperation.NONE or w in inside \
                or a.dtype.numpy != np.float32 or len(a.shape) != 2 or len(w.shape) != 2:
            continue
        parts = [a]
        if a not in sources:
            maker = a.producer
            if maker is None or maker.op.kind != "Concatenation" or getattr(maker.op, "axis", None) != 1 \
                    or a not in inside or a in kept or readers.get(a) != [node]:
                continue
            parts = [t for t in maker.inputs if t is not None]
        directions = {sources[t][2] for t in parts if t in sources}
        if len(directions) != 1:
            continue
        out = node.outputs[0]
        added = sole_sum(out, readers.get(out, []), kept)
        bias = added[0] if added is not None and added[1] not in inside else None
        found.append(_Hoist(node, parts, sources, bias))
    return found


def _still_needed(steps: list[Node], keep: list[Tensor], rewired: dict[Node, list[Any]]) -> list[Node]:
    """The steps that the values ``keep`` need, with the layers in ``rewired`` reading what it says."""
    made = {t: n for n in steps for t in n.outputs}
    needed: set[Node] = set()
    stack = [made[t] for t in keep if t in made]
    while stack:
        node = stack.pop()
        if node not in needed:
            needed.add(node)
            stack.extend(made[t] for t in rewired.get(node, node.inputs) if t in made)
    return [n for n in steps if n in needed]
