"""Runs a network with NumPy, one vectorised reference call per layer.

The interpreter binds the named dynamic dims from the inputs, evaluates only the layers the outputs
need (as TensorRT prunes unused layers) and the assertions (which have no output), frees each
intermediate after its last use, and checks every layer's result against the dtype and shape the IR
promised, so a shape rule and its reference can never silently disagree.
"""

from __future__ import annotations

import functools
import math
import operator
from types import CodeType
from typing import Any, Callable, Container, Iterable, Mapping, Sequence, cast

import numpy as np

from trtdsl.errors import BackendError, DSLError, ExecutionError, InputError
from trtdsl.ir.dims import DimLike, evaluate
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import CACHED, UfuncForm, blocks, zeros_for
from trtdsl.layers.convolution import Convolution
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation
from trtdsl.layers.matmul import MatrixMultiply
from trtdsl.layers.softmax import SoftMax
from trtdsl.reference.blas import threads_for_load


class Plan:
    """The layers needed for the outputs, in order, with the step after which each tensor is dead."""

    def __init__(self, network: Network) -> None:
        needed = needed_nodes(network)
        self.nodes = [n for n in network.nodes if n in needed]
        self.free_after = free_after([n.inputs for n in self.nodes], network.outputs.values())
        self._expected: dict[tuple[tuple[str, int], ...], Expected] = {}
        self._outputs = list(network.outputs.values())
        self._programs: dict[tuple[tuple[str, int], ...], Program] = {}

    def program(self, bindings: dict[str, int]) -> Program:
        """The plan as run once the inputs' named dims are known, made once per set of input sizes (see
        :class:`Program`): the constants' values (the same arrays on every run) and the other layers."""
        key = tuple(sorted(bindings.items()))
        found = self._programs.get(key)
        if found is None:
            expected = self.expected(bindings)
            constants = [n for n in self.nodes if n.op.kind == "Constant"]
            layers = [n for n in self.nodes if n.op.kind != "Constant"]
            values: dict[Tensor, np.ndarray] = {}
            for node in constants:
                evaluate_node(node, values, dict(bindings), expected)
            layers = fold_views(layers, values, bindings, expected)
            forms = constant_forms(layers, values, expected, self._outputs)
            found = Program(values, layers, self._outputs, expected, forms)
            if len(self._programs) >= _SIZES_KEPT:
                self._programs.clear()
            self._programs[key] = found
        return found

    def expected(self, bindings: dict[str, int]) -> Expected:
        """The NumPy dtype and shape of every layer output whose dims the inputs' named dims determine,
        worked out once per set of input sizes (so each result is checked with two comparisons)."""
        key = tuple(sorted(bindings.items()))
        found = self._expected.get(key)
        if found is None:
            found = {}
            for node in self.nodes:
                for t in node.outputs:
                    try:
                        found[t] = (t.dtype.numpy, tuple(evaluate(d, bindings) for d in t.shape))
                    except (KeyError, ZeroDivisionError):  # a data-dependent size: checked as it runs
                        continue
            if len(self._expected) >= _SIZES_KEPT:
                self._expected.clear()
            self._expected[key] = found
        return found


def needed_nodes(network: Network, also: Callable[[Node], Iterable[Node]] = lambda node: (), *,
                 outputs: Iterable[Tensor] | None = None) -> set[Node]:
    """The layers the outputs need: their producers, transitively, plus ``also(node)`` for each needed
    layer (regions add their trip limits and conditions). Layers that always run (assertions, which have
    no output) are needed too, with what they read. Given ``outputs``, only the layers those tensors need
    (and no assertion that they do not need)."""
    needed: set[Node] = set()
    wanted = network.outputs.values() if outputs is None else outputs
    stack = [t.producer for t in wanted if t.producer is not None]
    if outputs is None:
        stack += [n for n in network.nodes if n.op.always_runs]
    while stack:
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        stack.extend(t.producer for t in node.inputs if t is not None and t.producer is not None)
        stack.extend(also(node))
    return needed


def free_after(uses: Sequence[Iterable[Tensor | None]], keep: Iterable[Tensor]) -> list[list[Tensor]]:
    """For each step (``uses[i]``: the tensors step ``i`` reads), the tensors read for the last time
    there, except those in ``keep`` (the network's outputs): the values to free after the step."""
    last_use: dict[Tensor, int] = {}
    for step, tensors in enumerate(uses):
        for t in tensors:
            if t is not None:
                last_use[t] = step
    kept = set(keep)
    dead: list[list[Tensor]] = [[] for _ in uses]
    for t, step in last_use.items():
        if t not in kept:
            dead[step].append(t)
    return dead


Expected = dict[Tensor, tuple[np.dtype, tuple[int, ...]]]


# Layer kinds whose reference may return a view of an input (a reshape, a transpose, a slice)
_VIEW_KINDS = frozenset({"Shuffle", "Unsqueeze", "Squeeze", "Slice", "Identity"})


def fold_views(layers: Sequence[Node], values: dict[Tensor, np.ndarray], bindings: dict[str, int],
               expected: Expected) -> list[Node]:
    """``layers`` less those whose inputs are all constants (in ``values``) and whose result is a view of
    one of them, such as a weight given a leading 1 for a batched product (``td.linear`` on a 3-D input):
    their results go into ``values`` as constants, the same array on every run (a constant's array is
    read-only, and so are its views). Each layer of these kinds on constants is evaluated once, here (one
    that fails, fails here, with its own name and line)."""
    left = []
    for node in layers:
        inputs = [t for t in node.inputs if t is not None]
        if node.op.kind in _VIEW_KINDS and inputs and all(t in values for t in inputs):
            scratch = {t: values[t] for t in inputs}
            evaluate_node(node, scratch, dict(bindings), expected)
            results = [scratch[t] for t in node.outputs]
            if all(any(np.may_share_memory(r, scratch[t]) for t in inputs) for r in results):
                values.update(zip(node.outputs, results))
                continue
        left.append(node)
    return left


def constant_forms(layers: Sequence[Node], constants: Mapping[Tensor, np.ndarray], expected: Expected,
                   outputs: Iterable[Tensor]) -> dict[Node, Callable[..., tuple[np.ndarray, ...]]]:
    """The faster forms of layers with constant operands, made once per program (``outputs``: the values
    the caller gets):

    - a convolution whose kernel and bias (if any) are ``constants`` and whose output shape ``expected``
      knows (:meth:`Convolution.with_fixed_weights`);
    - a matrix product whose only reader is an ElementWise SUM of a constant row, a dense layer's bias
      (:meth:`MatrixMultiply.with_bias`): the product takes the bias in, and the sum passes its value on."""
    readers: dict[Tensor, list[Node]] = {}
    for node in layers:
        for t in node.inputs:
            if t is not None:
                readers.setdefault(t, []).append(node)
    kept = set(outputs)
    forms: dict[Node, Callable[..., tuple[np.ndarray, ...]]] = {}
    for node in layers:
        op = node.op
        if isinstance(op, Convolution):
            want = expected.get(node.outputs[0])
            bias = node.inputs[2] if len(node.inputs) == 3 else None
            w, b = constants.get(node.input(1)), None if bias is None else constants.get(bias)
            if want is not None and w is not None and (bias is None or b is not None):
                form = op.with_fixed_weights(w, b, want[1][2:])
                if form is not None:
                    forms[node] = form
        elif isinstance(op, MatrixMultiply):
            product = node.outputs[0]
            added = sole_sum(product, readers.get(product, []), kept)
            if added is None:
                continue
            add, other = added
            row = constants.get(other)
            form = None if row is None else op.with_bias(row)
            if form is not None:
                forms[node] = form
                forms[add] = first_input if add.inputs[0] is product else second_input
    return forms


def sole_sum(product: Tensor, readers: Sequence[Any], kept: Container[Tensor]) -> tuple[Node, Tensor] | None:
    """The ElementWise SUM that is the only reader of ``product`` (``readers``: the steps reading it; not a
    value in ``kept``, which the caller gets), adding it once to another tensor into a result of its shape,
    and that other tensor; else None. A bias added to a product, which the product can take in."""
    if product in kept or len(readers) != 1:
        return None
    (add,) = readers
    if not isinstance(add, Node) or not isinstance(add.op, ElementWise) \
            or add.op.op is not ElementWiseOperation.SUM or add.outputs[0].shape != product.shape \
            or sum(t is product for t in add.inputs) != 1:
        return None
    (other,) = (t for t in add.inputs if t is not product)
    return add, cast(Tensor, other)


def first_input(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray]:
    """A layer's form passing its first input on (its work done by the layer that made that input)."""
    return (a,)


def second_input(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray]:
    """A layer's form passing its second input on (its work done by the layer that made that input)."""
    return (b,)


class Program:
    """A plan's layers as flat tuples over numbered slots (a list indexed by int is cheaper than a dict
    keyed by tensor, which matters for networks of many small layers): per layer ``(op, inputs,
    output, dtype, shape, node, dead)`` with ``op.reference(*inputs(slots))`` the layer's results
    (``op`` is the layer's op, a :class:`Form` or a :class:`Chain`: see below), ``inputs(slots)`` the
    input values (see :func:`getter`; ``reads`` holds their slots), the output slot, the promised dtype
    and shape, and the slots read for the last time there. ``op`` is None for a layer that needs the full
    check (several outputs, an omitted input, a data-dependent size); ``inputs`` and ``output`` are then
    the slots of all its inputs (-1: omitted) and outputs. The constants' values fill their slots before
    the first layer. A program that has run ``GENERATE_AFTER`` times, of at most ``GENERATED_STEPS``
    steps (a loop's body), runs as generated code from then on (:func:`_generated_run`).

    A float32 elementwise or activation layer writes its result into the buffer of an input when the
    plan shows that buffer is dead (:func:`writable_inputs`), which saves an allocation and a pass
    over fresh memory; the values are the same (the same ufuncs, element by element). Consecutive such
    layers writing into one buffer are one step (:class:`Chain`). ``forms`` gives layers another form
    of their op's reference (:func:`constant_forms`, a loop's product by a fixed matrix); ``rewired``
    gives such a form the values it reads in the place of the layer's inputs (keys of ``values`` that no
    layer makes, such as a loop's hoisted products). A layer with another form never writes into its
    inputs."""

    def __init__(self, constants: dict[Tensor, np.ndarray], layers: list[Node], outputs: list[Tensor],
                 expected: Expected, forms: Mapping[Node, Callable[..., tuple[np.ndarray, ...]]] = {},
                 rewired: Mapping[Node, Sequence[Any]] = {}) -> None:
        slot: dict[Tensor, int] = {}

        def number(t: Tensor) -> int:
            return slot.setdefault(t, len(slot))

        self.constants = [(number(t), value) for t, value in constants.items()]
        reads = [rewired.get(n, n.inputs) for n in layers]
        dead = free_after(reads, outputs)
        writable = writable_inputs(layers, dead, expected)
        self.steps: list[tuple[Any, ...]] = []
        self.reads: list[tuple[int, ...]] = []
        chain: Chain | None = None
        for node, read, gone, into in zip(layers, reads, dead, writable):
            want = expected.get(node.outputs[0]) if len(node.outputs) == 1 else None
            inputs = tuple(-1 if t is None else number(t) for t in read)
            into = None if node in forms else into
            if want is None or -1 in inputs:
                chain = None
                self.steps.append((None, inputs, tuple(number(t) for t in node.outputs), None, None, node,
                                   tuple(slot[t] for t in gone)))
                self.reads.append(inputs)
            elif into is None:
                chain = None
                form = forms.get(node) or _reference_for(node, expected)
                op = node.op if form is None else Form(form)
                self.steps.append((op, getter(inputs), number(node.outputs[0]), want[0], want[1], node,
                                   tuple(slot[t] for t in gone)))
                self.reads.append(inputs)
            else:
                if chain is None or node.inputs[into] is not chain.nodes[-1].outputs[0]:
                    chain = Chain(cast(Tensor, node.inputs[into]))
                    self.steps.append(())
                    self.reads.append(())
                chain.add(node, into, constants)
                dead_before = self.steps[-1][-1] if self.steps[-1] else ()
                self.reads[-1] = tuple(number(t) for t in chain.reads)
                self.steps[-1] = (chain, getter(self.reads[-1]), number(node.outputs[0]), want[0], want[1],
                                  node, dead_before + tuple(slot[t] for t in gone))
        self.size = len(slot)
        made = {t for n in layers for t in n.outputs} | set(constants)
        self.inputs = [(t, i) for t, i in slot.items() if t not in made]
        self.outputs = [(t, slot[t]) for t in dict.fromkeys(outputs) if t in slot]
        self.runs = 0
        self.generated: Callable[[dict[Tensor, np.ndarray], dict[str, int]], None] | None = None

    def run(self, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
        """Evaluate the layers on ``values`` (the network inputs' values) and add the network outputs'
        values, as :func:`execute` does."""
        generated = self.generated
        if generated is not None:
            generated(values, bindings)
            return
        self.runs += 1
        if self.runs >= GENERATE_AFTER and len(self.steps) <= GENERATED_STEPS:  # threads may skip a count
            self.generated = _generated_run(self)
        slots: list[Any] = [None] * self.size
        for t, i in self.inputs:
            slots[i] = values[t]
        for i, value in self.constants:
            slots[i] = value
        for op, inputs, out, dtype, shape, node, dead in self.steps:
            if op is None:
                outputs = _evaluate_from_slots(node, tuple(None if i == -1 else slots[i] for i in inputs),
                                               bindings)
                for i, array in zip(out, outputs):
                    slots[i] = array
            else:
                try:
                    results = op.reference(*inputs(slots))
                except ChainError as exc:
                    raise failure(exc.node, exc.exc) from exc.exc
                except Exception as exc:
                    raise failure(node, exc, inputs(slots)) from exc
                array = results[0]
                if array.__class__ is np.ndarray and array.shape == shape and array.dtype == dtype \
                        and len(results) == 1:
                    slots[out] = array
                else:
                    slots[out] = _checked_output(node, results, bindings)
            for i in dead:
                slots[i] = None
        for t, i in self.outputs:
            values[t] = slots[i]


# A program that runs many times with little work per layer (a loop's body: once per iteration) runs faster
# as generated code, a function of straight-line code with a local variable per slot: on the LSTM of
# benchmarks/bench_vs_onnxruntime.py (128 iterations of 14 layers), 13.45 ms a run against 14.15 ms. Compiling
# it costs some 40 us a layer, so a program is generated once it has run this many times, and only where it
# has at most this many steps (a large network's layers do much work each, and its code would take long to
# compile).
GENERATE_AFTER = 16
GENERATED_STEPS = 256


def _generated_run(program: Program) -> Callable[[dict[Tensor, np.ndarray], dict[str, int]], None]:
    """:attr:`Program.run` for ``program``. The code names only slots and steps by number (``s3`` a slot's
    value, ``t3`` its tensor; ``o2``, ``n2``, ``d2``, ``h2`` a step's op, node, dtype and shape), never text
    from the network; the objects it calls and compares with are in its namespace, which the function
    does not keep a reference to (the cycle would hold the program's arrays until a garbage collection)."""
    names: dict[str, Any] = {"ndarray": np.ndarray, "ChainError": ChainError, "failure": failure,
                             "checked": _checked_output, "evaluate": _evaluate_from_slots}
    constant = set()
    for i, value in program.constants:
        names[f"s{i}"] = value
        constant.add(i)
    lines = ["def run(values, bindings):"]
    for t, i in program.inputs:
        names[f"t{i}"] = t
        lines.append(f"    s{i} = values[t{i}]")

    def slot(i: int) -> str:
        return "None" if i == -1 else f"s{i}"

    for k, ((op, _, out, dtype, shape, node, dead), inputs) in enumerate(zip(program.steps, program.reads)):
        names[f"n{k}"] = node
        args = "".join(f"{slot(i)}, " for i in inputs)
        if op is None:
            targets = "".join(f"s{o}, " for o in out) + "= " if out else ""  # an assertion has none
            lines.append(f"    {targets}evaluate(n{k}, ({args}), bindings)")
        else:
            names[f"o{k}"], names[f"d{k}"], names[f"h{k}"] = op, dtype, shape
            lines += ["    try:",
                      f"        r = o{k}.reference({args})",
                      "    except ChainError as exc:",
                      "        raise failure(exc.node, exc.exc) from exc.exc",
                      "    except Exception as exc:",
                      f"        raise failure(n{k}, exc, ({args})) from exc",
                      "    a = r[0]",
                      f"    s{out} = a if a.__class__ is ndarray and a.shape == h{k} and a.dtype == d{k} "
                      f"and len(r) == 1 else checked(n{k}, r, bindings)"]
        lines += [f"    s{i} = None" for i in dead if i not in constant]
    for t, i in program.outputs:
        names[f"t{i}"] = t
        lines.append(f"    values[t{i}] = s{i}")
    if len(lines) == 1:
        lines.append("    pass")
    exec(_program_code("\n".join(lines)), names)
    return cast("Callable[[dict[Tensor, np.ndarray], dict[str, int]], None]", names.pop("run"))


@functools.lru_cache(maxsize=64)
def _program_code(source: str) -> CodeType:
    """``source`` compiled, once for the programs of every run it serves (a loop's body may get a new
    program for each run of the loop)."""
    return compile(source, "<trtdsl program>", "exec")


def _checked_output(node: Node, results: Any, bindings: dict[str, int]) -> np.ndarray:
    """The output of a layer of one output whose results need the full check (:func:`_store_checked`)."""
    scratch: dict[Tensor, np.ndarray] = {}
    _store_checked(node, results, scratch, bindings)
    return scratch[node.outputs[0]]


def _evaluate_from_slots(node: Node, inputs: tuple[np.ndarray | None, ...],
                         bindings: dict[str, int]) -> tuple[np.ndarray, ...]:
    """:func:`evaluate_node` on the values of ``node``'s inputs (None: an omitted input): its outputs'
    values."""
    values = {t: cast(np.ndarray, v) for t, v in zip(node.inputs, inputs) if t is not None}
    evaluate_node(node, values, bindings)
    return tuple(values[t] for t in node.outputs)


def _reference_for(node: Node, expected: Expected) -> Callable[..., tuple[np.ndarray, ...]] | None:
    """The layer's reference for the dtypes and shapes its inputs have in a program (``expected``), where its
    op has such a form (:meth:`Op.reference_for`) and they are all known."""
    types = [expected.get(t) for t in node.inputs if t is not None]
    if len(types) != len(node.inputs) or None in types:
        return None
    return node.op.reference_for(cast("list[tuple[np.dtype, tuple[int, ...]]]", types))


# Layer kinds whose reference returns new arrays that share memory with nothing else (no view of an
# input, no cached array), so that a later layer may overwrite them once they are dead.
_FRESH_KINDS = frozenset({"ElementWise", "Activation", "MatrixMultiply", "Convolution", "SoftMax"})
_FLOAT32 = np.dtype(np.float32)


class Form:
    """Another form of a layer's reference (``reference(*inputs)``) in the place of its op."""

    __slots__ = ("reference",)

    def __init__(self, reference: Callable[..., tuple[np.ndarray, ...]]) -> None:
        self.reference = reference


_ChainRun = Callable[[np.ndarray, Sequence[np.ndarray], "np.ndarray | None"], None]


class Chain:
    """Consecutive layers of a program that each write into the buffer the previous one wrote (the
    first: into one of its inputs), evaluated as one step: ``reference(buffer, *others)`` runs each
    layer's in-place form (its op's ``in_place(index)``) on the buffer and the values of ``reads[1:]``,
    the tensors they read from outside the chain, and returns ``(buffer,)``. The same operations in the
    same order as layer by layer, without the interpreter's work between them.

    The layers run as one generated function of one line per layer, so that a layer costs its kernel
    and little more (an add on 64x64 float32 takes 0.5 us; a loop over the layers' forms added some
    0.2 us per layer): a :class:`UfuncForm` is a call of its ufunc itself, any other form a call of the
    form. A constant holding one value is given to its ufunc as a 0-d array (the same values by
    broadcasting; a (1, 1) operand costs 1.6 times as much), and a maximum with 0 (ReLU) takes
    :func:`zeros_for` the buffer.

    A chain on a C-contiguous buffer of more than ``CACHED`` values runs block by block along its first
    axis longer than 1 (the others sliced alike where they are not broadcast along it), each block
    through every layer, so that each layer finds the block in cache where the previous one left it:
    the same values, as no layer mixes values along that axis (a softmax along it keeps the chain
    whole). A scale and a softmax on (8, 4, 128, 128) float32 take 0.69 ms so against 0.91 ms; a ReLU
    on (1, 512, 28, 28), 31 us against 67 us."""

    def __init__(self, source: Tensor) -> None:
        self.others: dict[Tensor, int] = {}
        self.source = source
        self.nodes: list[Node] = []
        self.lines: list[str] = []  # per layer, its call as code
        self.names: dict[str, Any] = {}  # what the code names: forms, ufuncs, constants
        self.mixed: set[int] = set()  # axes along which a layer mixes values (a softmax's)
        self.zeros = False
        self.run: _ChainRun | None = None

    @property
    def reads(self) -> list[Tensor]:
        return [self.source, *self.others]

    def add(self, node: Node, into: int, constants: Mapping[Tensor, np.ndarray]) -> None:
        """Append ``node``, which writes into its input ``into`` (the chain's buffer); ``constants``:
        the program's constants' values."""
        buffer = self.source if not self.nodes else self.nodes[-1].outputs[0]
        step = len(self.nodes)
        args = []
        for i, t in enumerate(cast("tuple[Tensor, ...]", node.inputs)):  # in-place layers have them all
            value = constants.get(t)
            if t is buffer:
                args.append("b")
            elif value is not None and value.size == 1:
                args.append(f"k{step}_{i}")
                self.names[args[-1]] = value.reshape(())
            else:
                args.append(f"o{self.others.setdefault(t, len(self.others))}")
        form = cast(Any, node.op).in_place(into)
        if isinstance(form, UfuncForm):
            self.names[f"f{step}"] = form.ufunc
            self.zeros = self.zeros or form.zeros
            args += ["z", "b"] if form.zeros else ["b"]
        else:
            self.names[f"f{step}"] = form
        self.lines.append(f"    f{step}({', '.join(args)})")
        self.nodes.append(node)
        if isinstance(node.op, SoftMax):
            self.mixed.add(node.op.axis)

    def _compiled(self) -> _ChainRun:
        """The layers' calls as ``run(b, others, z)``: layer ``k`` on line ``k + 3``. The code is made of
        names of this chain's own (``f3``, ``k3_1``, ``o0``), never of text from the network."""
        unpack = "".join(f"o{i}, " for i in range(len(self.others)))
        source = "\n".join(["def run(b, others, z):", f"    {unpack}= others" if unpack else "    pass",
                            *self.lines])
        namespace = dict(self.names)
        exec(_chain_code(source), namespace)
        self.run = run = cast(_ChainRun, namespace.pop("run"))  # no cycle through the namespace
        return run

    def reference(self, buffer: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray]:
        run = self.run or self._compiled()
        shape = buffer.shape
        if buffer.size > CACHED and buffer.flags.c_contiguous:
            axis = 0
            while shape[axis] == 1:  # a dim longer than 1 exists: the buffer holds several values
                axis += 1
            if axis not in self.mixed:
                n, lead, rank = shape[axis], (slice(None),) * axis, buffer.ndim
                for rows in blocks(n, buffer.size // n):
                    at = (*lead, rows)
                    self._call(run, buffer[at],
                               [o[at] if o.ndim == rank and o.shape[axis] == n else o for o in others])
                return (buffer,)
        self._call(run, buffer, others)
        return (buffer,)

    def _call(self, run: _ChainRun, buffer: np.ndarray, others: Sequence[np.ndarray]) -> None:
        try:
            run(buffer, others, zeros_for(buffer) if self.zeros else None)
        except Exception as exc:
            tb, line = exc.__traceback__, 0
            while tb is not None:  # the line of the generated code that raised names the layer
                if tb.tb_frame.f_code is run.__code__:
                    line = tb.tb_lineno
                tb = tb.tb_next
            raise ChainError(self.nodes[line - 3], exc) from exc


@functools.lru_cache(maxsize=1024)
def _chain_code(source: str) -> CodeType:
    """``source`` compiled, once for the chains of every program it serves (a loop's body gets a new
    program for each run of the loop: compiling costs some 20 us)."""
    return compile(source, "<trtdsl chain>", "exec")


class ChainError(Exception):
    """The layer of a :class:`Chain` whose in-place form raised ``exc``."""

    def __init__(self, node: Node, exc: Exception) -> None:
        super().__init__(node, exc)
        self.node, self.exc = node, exc


def writable_inputs(layers: Sequence[Node], dead: Sequence[Sequence[Tensor]],
                    expected: Expected) -> list[int | None]:
    """Per layer, the index of an input whose buffer the layer may write its result into, or None.

    The decision is static, from the plan: the input must be made by a layer of ``layers`` whose kind
    returns new arrays (``_FRESH_KINDS``: not a network input, a constant or a loop's value), read for
    the last time by this layer (``dead``, from :func:`free_after`, which never lists a value handed to
    the caller), never read by a layer that may return a view of it (a reshape, a slice, a layer of
    several outputs: such a view could outlive it), and be float32 of the result's shape; the layer's
    op must have an ``in_place`` form for that input. The result then owns the buffer alone, so it may
    be written in turn. Each run makes its arrays anew, so no run writes into a previous run's results.
    """
    fresh = {n.outputs[0] for n in layers if n.op.kind in _FRESH_KINDS and len(n.outputs) == 1}
    viewed = {t for n in layers if n.op.kind not in _FRESH_KINDS or len(n.outputs) != 1
              for t in n.inputs if t is not None}
    found: list[int | None] = []
    for node, gone in zip(layers, dead):
        want = expected.get(node.outputs[0]) if len(node.outputs) == 1 else None
        into = None
        if want is not None and want[0] == _FLOAT32 and hasattr(node.op, "in_place"):
            last = set(gone)
            for index, t in enumerate(node.inputs):
                if t in fresh and t not in viewed and t in last and expected.get(t) == want \
                        and node.op.in_place(index) is not None:
                    into = index
                    break
        found.append(into)
    return found


def getter(keys: Sequence[Any]) -> Callable[[Any], Sequence[Any]]:
    """``lambda values: tuple(values[k] for k in keys)``, for many keys as one C call (``itemgetter``).

    >>> getter((2, 0))(["a", "b", "c"]), getter(("b",))({"b": 1}), getter(())(["a"])
    (('c', 'a'), (1,), ())
    """
    if len(keys) == 1:
        (key,) = keys
        return lambda values: (values[key],)
    return operator.itemgetter(*keys) if keys else lambda values: ()


_SIZES_KEPT = 8  # sets of input sizes whose expected results a plan keeps


def plan(network: Network) -> Any:
    """The network's plan, made once per network version: a :class:`Plan`, or for a network with
    loops or conditionals a :class:`~trtdsl.reference.regions.RegionPlan` (which also validates them)."""
    def make() -> Any:
        if network.regions:
            from trtdsl.reference.regions import RegionPlan

            return RegionPlan(network)
        return Plan(network)

    return network.derived("reference_plan", make)


def bind_inputs(network: Network,
                feeds: Mapping[str, Any]) -> tuple[dict[Tensor, np.ndarray], dict[str, int]]:
    """Check ``feeds`` against the network's inputs; return the tensor values and the named dims' sizes."""
    if not isinstance(feeds, Mapping):
        raise InputError(f"run: inputs must be a dict of input name -> array, got {type(feeds).__name__}")
    unknown = sorted(set(feeds) - set(network.inputs))
    if unknown:
        raise InputError(
            f"run: network {network.name!r} has no input named {unknown[0]!r}; its inputs are "
            f"{sorted(network.inputs)}"
        )
    values: dict[Tensor, np.ndarray] = {}
    bindings: dict[str, int] = {}
    where: dict[str, str] = {}
    for name, tensor in network.inputs.items():
        if name not in feeds:
            raise InputError(f"run: missing input {name!r} ({tensor.type})")
        if isinstance(feeds[name], Tensor):
            raise InputError(f"run: input {name!r} is Tensor %{feeds[name].name}, a value of a network being "
                             f"built; give an array ({tensor.type})")
        if isinstance(feeds[name], np.ma.MaskedArray):  # converting it would silently use the masked values
            raise InputError(f"run: input {name!r} is a masked array, whose mask has no meaning in a "
                             "network; give m.filled(value), or m.data")
        try:
            array = np.asarray(feeds[name])
        except (ValueError, TypeError, OverflowError, RecursionError, DSLError):  # ragged or deep lists,
            # objects that refuse conversion, lists holding Tensors
            raise InputError(f"run: input {name!r} (a {type(feeds[name]).__name__}) cannot be converted to "
                             f"an array; expected {tensor.type}") from None
        expected = tensor.dtype.numpy
        if array.dtype != expected and array.dtype.newbyteorder("=") == expected:
            array = array.astype(expected)  # the same values in the other byte order (big-endian)
        if array.dtype != expected:
            raise InputError(
                f"run: input {name!r} has dtype {array.dtype}; expected {expected} ({tensor.dtype!r}). "
                f"Convert it with .astype({tensor.dtype.name!r})"
            )
        shape = tensor.shape
        if array.ndim != len(shape):
            raise InputError(f"run: input {name!r} has shape {array.shape}; expected rank {len(shape)} "
                             f"({tensor.type})")
        for axis, (dim, size) in enumerate(zip(shape, array.shape)):
            if isinstance(dim, int):
                if dim != size:
                    raise InputError(f"run: input {name!r} has shape {array.shape}; dim {axis} must be {dim} "
                                     f"({tensor.type})")
            elif dim.is_symbol:
                key = dim.args[0]
                if key in bindings and bindings[key] != size:
                    raise InputError(
                        f"run: dim {key!r} is {bindings[key]} in {where[key]} but {size} in input {name!r} "
                        f"(shape {array.shape}); inputs that share a dim name must agree"
                    )
                bindings[key] = size
                where[key] = f"input {name!r}"
        values[tensor] = array
    if network.shape_inputs:
        _bind_shape_values(network, values, bindings)
    if network.profiles:
        from trtdsl.ir.profiles import check_feeds

        check_feeds(network, {name: values[t] for name, t in network.inputs.items()})
    return values, bindings


def _bind_shape_values(network: Network, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
    """The values of shape-tensor inputs are dims (``%n``, ``%s[i]``: see trtdsl.shapes.values)."""
    from trtdsl.shapes.values import unknown

    for name in network.shape_inputs:
        tensor = network.inputs[name]
        for symbol, value in zip(unknown(tensor), values[tensor].reshape(-1)):
            bindings[symbol.args[0]] = int(value)


def check_result(node: Node, results: Any, bindings: dict[str, int]) -> None:
    """Raise if a reference's results do not have the dtypes and shapes the IR says."""
    if not isinstance(results, tuple) or len(results) != len(node.outputs):
        raise ExecutionError(
            f"internal error: {node.op.label()} reference returned {type(results).__name__} for "
            f"{len(node.outputs)} outputs", location=node.location
        )
    for tensor, array in zip(node.outputs, results):
        if not isinstance(array, np.ndarray) or array.dtype != tensor.dtype.numpy:
            got = getattr(array, "dtype", type(array).__name__)
            raise ExecutionError(
                f"internal error: {node.op.label()} reference gave dtype {got} for %{tensor.name} "
                f"({tensor.type})",
                location=node.location,
            )
        if array.ndim != len(tensor.shape) or not all(
            _dim_matches(d, s, bindings) for d, s in zip(tensor.shape, array.shape)
        ):
            raise ExecutionError(
                f"{node.op.label()} produced shape {array.shape} for %{tensor.name}, which the network "
                f"declares as {tensor.type} (with {bindings or 'no named dims'}): the inputs' sizes "
                f"do not satisfy this layer's shape rule",
                location=node.location,
            )


def _dim_matches(dim: DimLike, size: int, bindings: dict[str, int]) -> bool:
    if isinstance(dim, int):
        return dim == size
    if dim.is_symbol and dim.args[0] not in bindings:
        bindings[dim.args[0]] = size  # a data-dependent size, known from now on
        return True
    try:
        return dim.evaluate(bindings) == size
    except KeyError:
        return True  # depends on a data-dependent size not bound yet
    except ZeroDivisionError:
        return False


def evaluate_node(node: Node, values: dict[Tensor, np.ndarray], bindings: dict[str, int],
                  expected: Expected | None = None) -> None:
    """Run one layer's reference on its inputs' values and store its outputs' values. ``expected``
    (from :meth:`Plan.expected`) lets a result that has the promised dtype and shape pass at once."""
    args = [values[t] if t is not None else None for t in node.inputs]
    try:
        results = node.op.reference(*args)
    except Exception as exc:
        raise failure(node, exc, args) from exc
    if expected is not None and results.__class__ is tuple and len(results) == len(node.outputs):
        for tensor, array in zip(node.outputs, results):
            want = expected.get(tensor)
            if want is None or array.__class__ is not np.ndarray or array.dtype != want[0] \
                    or array.shape != want[1]:
                break
            values[tensor] = array
        else:
            return
    _store_checked(node, results, values, bindings)


def _store_checked(node: Node, results: Any, values: dict[Tensor, np.ndarray], bindings: dict[str, int]) -> None:
    """Check a layer's results in full (:func:`check_result`) and store them."""
    if isinstance(results, tuple) and any(isinstance(r, np.generic) for r in results):
        # NumPy ufuncs turn 0-d arrays into scalars
        results = tuple(np.asarray(r) if isinstance(r, np.generic) else r for r in results)
    check_result(node, results, bindings)
    for tensor, array in zip(node.outputs, results):
        values[tensor] = array


def failure(node: Node, exc: Exception, args: Sequence[Any] = ()) -> DSLError:
    """The error for a layer whose reference raised ``exc`` on ``args`` (its inputs' values, where the
    caller has them), pointing at the user's line that made the layer: a trtdsl error the reference raised
    itself (a check only the values can make), with the layer named after its op, or anything else
    wrapped in an ExecutionError that gives the inputs' shapes and types (dims the IR could not compare
    before the run, an int and a named dim, show there)."""
    label = node.op.label()
    if isinstance(exc, DSLError):
        message = exc.message
        if message.startswith(f"{label}: "):
            message = f"{label} (layer {node.name}): {message[len(label) + 2:]}"
        # a location the raiser gave (a plugin's reference method) stays; else the layer's line
        location = exc.location if exc.located else node.location
        return type(exc)(message, location=location, context=exc.context)
    # (a fused form's arguments are not the layer's inputs: those are shown only where they are)
    given = [(a.shape, t.type) for a, t in zip(args, node.inputs)
             if isinstance(a, np.ndarray) and t is not None] if len(args) == len(node.inputs) else []
    inputs = ""
    if given:
        shapes = " and ".join(str(shape) for shape, _ in given)
        types = " and ".join(str(ty) for _, ty in given)
        inputs = f" on inputs of shapes {shapes} (typed {types})"
    return ExecutionError(f"{label} (layer {node.name}) failed on the NumPy reference{inputs}: "
                          f"{type(exc).__name__}: {exc}", location=node.location)


def run(network: Network, inputs: Mapping[str, Any], **options: Any) -> dict[str, np.ndarray]:
    """Evaluate ``network`` on ``inputs`` (input name -> array) and return {output name: array}.

    Arithmetic follows IEEE: overflow gives inf and invalid operations NaN, without NumPy warnings.
    NumPy's BLAS runs with no more threads than the cores other processes leave idle
    (:mod:`trtdsl.reference.blas`). Each output is a writable array of its own (:func:`own_outputs`).
    The reference takes no options; any given is an error (they belong to other backends)."""
    if options:
        raise BackendError(
            f"run: the reference backend takes no options, got {sorted(options)}; options such as these "
            "belong to backend='onnxruntime' or backend='tensorrt'"
        )
    if not network.outputs:
        raise InputError(f"run: network {network.name!r} has no outputs; mark some with net.output(name, "
                         "tensor)")
    values, bindings = bind_inputs(network, inputs)
    feeds = list(values.values())
    with threads_for_load():
        execute(plan(network), values, bindings)
    return own_outputs({name: values[t] for name, t in network.outputs.items()}, feeds)


def own_outputs(outputs: dict[str, np.ndarray], feeds: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """``outputs`` with each array writable and its own, as an engine writes each output into a buffer of
    its own: an output that holds memory of an input's array (an identity, a reshape or a slice of an
    input) or of an output before it (a reshape of another output), or is read-only (a constant's values),
    is copied. Writing into a result then never changes the caller's input or another result.

    >>> a = np.zeros(2, np.float32)
    >>> out = own_outputs({"y": a[:1], "z": a}, [a])
    >>> out["y"][0] = 1.0; float(a[0])
    0.0
    """
    taken = {id(_root(a)) for a in feeds}  # the buffers outputs must not be views of, by their owners
    for name, array in outputs.items():
        if not array.flags.writeable or id(_root(array)) in taken:
            array = outputs[name] = array.copy()
        taken.add(id(_root(array)))
    return outputs


def _root(array: np.ndarray) -> object:
    """The object owning the memory of ``array`` (its last base: two arrays sharing memory share it)."""
    owner: object = array
    while getattr(owner, "base", None) is not None:
        owner = owner.base  # type: ignore[attr-defined]
    return owner


def execute(p: Any, values: dict[Tensor, np.ndarray], bindings: dict[str, int],
            observe: Callable[[dict[Tensor, np.ndarray]], None] | None = None) -> None:
    """Run the steps of a plan (a :class:`Plan` or a RegionPlan) on ``values``, the network inputs'
    values, adding each step's results and freeing each tensor after its last use; ``observe(values)``
    sees the values after every step, before any are freed."""
    plain = isinstance(p, Plan)
    if plain and observe is None:
        program = p.program(bindings)
        with np.errstate(all="ignore"):
            program.run(values, bindings)
        return
    expected = p.expected(bindings) if plain else None
    with np.errstate(all="ignore"):
        for step, dead in zip(p.nodes if plain else p.steps, p.free_after):
            if isinstance(step, Node):
                evaluate_node(step, values, bindings, expected)
            else:
                step.run(values, bindings)
            if observe is not None:
                observe(values)
            for t in dead:
                del values[t]


__all__ = ["run", "own_outputs", "execute", "Plan", "plan", "bind_inputs", "evaluate_node", "check_result",
           "failure", "getter", "writable_inputs"]
