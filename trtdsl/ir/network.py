"""The Network: the builder that owns tensors and layers, names them, and runs them."""

from __future__ import annotations

import html
import importlib
import os
import pathlib
import shutil
from typing import (
    TYPE_CHECKING, Any, Callable, Hashable, Mapping, NoReturn, Protocol, Sequence, TypeVar, overload,
)

import numpy as np

from trtdsl import dtypes
from trtdsl.errors import (
    ArgumentError, BackendError, DSLError, RegionError, ShapeError, Where, bad_argument, check_name,
    constant_hint, shown, user_location,
)
from trtdsl.ir.backends import ONNX_EXPORT, get_backend
from trtdsl.ir.dims import MAX_DIM, Dim, DimLike, as_dim, bound_shape, is_static
from trtdsl.ir.functions import function, tensor_function
from trtdsl.ir.node import Node
from trtdsl.ir.op import Op
from trtdsl.ir.profiles import Profile, make_profile
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType

if TYPE_CHECKING:
    from trtdsl.dtypes import DType
    from trtdsl.ir.region import Region

MAX_RANK = 8  # Dims::MAX_DIMS
_Named = TypeVar("_Named", Node, Tensor)  # what the network's name tables hold


class Scope(Protocol):
    """A region being defined (a loop body or a conditional branch); see trtdsl.regions.

    ``adapt_inputs`` sees each new layer's op and inputs first (it may route inputs into the region,
    e.g. through a ConditionalInput layer, or raise for a value that may not be used there);
    ``created`` sees the layer once it is added."""

    def adapt_inputs(self, op: Op, inputs: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]: ...

    def created(self, node: Node) -> None: ...


class Network:
    """A TensorRT network under construction: inputs, layers and outputs.

    Layers are added by trtdsl's functions and Tensor operators; the network checks each layer when it
    is created, names every layer and tensor (keeping the names the user gives), and records the user's
    source line for error messages and for TensorRT's layer names.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("demo")
    >>> x = net.input("x", td.float32, ("batch", 4))
    >>> y = td.relu(x @ np.ones((4, 3), np.float32) + 1.0)
    >>> net.output("y", y)
    >>> net.run({"x": np.full((2, 4), -0.5, np.float32)})["y"]
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """

    def __init__(self, name: str = "network") -> None:
        check_name("Network", name)
        self.name = name
        self.nodes: list[Node] = []
        self.inputs: dict[str, Tensor] = {}
        self.outputs: dict[str, Tensor] = {}
        self._tensor_names: dict[str, Tensor] = {}
        self._node_names: dict[str, Node] = {}
        self._counters: dict[str, int] = {}
        self.regions: list[Region] = []  # loops and conditionals; their boundary layers refer to them
        self._scopes: list[Scope] = []
        # What analyses derive from the whole network (region structure, run plans, exports), by analysis:
        # forgotten at every change (see derived), which also counts the changes.
        self._cache: dict[Hashable, Any] = {}
        self._generation = 0
        # The values of its tensors as trtdsl.shapes.values knows them, by analysis: kept while layers are
        # added, which changes no tensor's value; forgotten when set_input replaces a layer's input.
        self._values: dict[str, Any] = {}
        # What definition-time helpers keep for the network's life, by helper (trtdsl.shapes: the symbols
        # naming tensor values, to which shapes refer; the layers made for dims, reused; the shape
        # computations checked, each warned about once).
        self._records: dict[str, Any] = {}
        self.shape_inputs: set[str] = set()  # inputs whose values are shapes (see input(shape_tensor=True))
        self.shape_outputs: set[str] = set()  # outputs marked with mark_output_for_shapes
        self._profiles: list[Profile] = []
        self._inferred: dict[tuple[Any, ...], tuple[TensorType, ...]] = {}  # see _add's memo

    def __repr__(self) -> str:
        return f"Network({self.name!r}, {len(self.nodes)} layers)"

    def __str__(self) -> str:
        from trtdsl.ir.printer import format_network

        return format_network(self, locations=True)

    def format(self, *, locations: bool = True) -> str:
        """The textual IR; ``locations=False`` leaves out the ``# file:line`` comments."""
        from trtdsl.ir.printer import format_network

        return format_network(self, locations=locations)

    # -- pictures -------------------------------------------------------------------------------------
    def to_dot(self) -> str:
        """The picture of the network as Graphviz DOT text (see :func:`trtdsl.ir.dot.to_dot`): loops and
        conditionals as labelled clusters, layers labelled with their output types."""
        from trtdsl.ir.dot import to_dot

        return to_dot(self)

    def draw(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the picture to ``path``: ``.dot`` (DOT text, always), ``.svg``, ``.png`` or ``.pdf``
        (through Graphviz's ``dot``; a BackendError with the install command where it is missing).
        Returns the path written."""
        from trtdsl.ir.dot import draw

        return draw(self, path)

    def _repr_svg_(self) -> str | None:
        """Jupyter's picture of the network, where Graphviz is installed (None otherwise, so that
        Jupyter shows :meth:`_repr_html_` rather than a broken image)."""
        from trtdsl.ir.dot import render

        if shutil.which("dot") is None:
            return None
        return render(self, "svg").decode()

    def _repr_html_(self) -> str | None:
        """Jupyter's view of the network without Graphviz: the textual IR. None where Graphviz is
        installed, so that Jupyter shows the picture (a notebook shows its richest format, and ranks
        HTML above SVG)."""
        if shutil.which("dot") is not None:
            return None
        return f"<pre>{html.escape(self.format(locations=False))}</pre>"

    def to_python(self) -> str:
        """Runnable trtdsl code that rebuilds this network (see :mod:`trtdsl.ir.python`)."""
        from trtdsl.ir.python import to_python

        return to_python(self)

    # -- building -------------------------------------------------------------------------------------
    def input(self, name: str, dtype: DType | str | Any, shape: Sequence[int | str | DimLike], *,
              shape_tensor: bool = False) -> Tensor:
        """Declare a network input. Dims are ints or names of dynamic dims (the same name means the
        same size everywhere). ``shape_tensor=True`` declares an input whose *values* are sizes (an
        int32/int64 tensor of static rank 0 or 1, at most 64 elements), given per profile as
        ``(min, opt, max)`` values with :meth:`add_profile` (TensorRT's shape-tensor inputs)."""
        self._check_new_name(name, "input")
        dt = dtypes.dtype(dtype)
        # dims that remember this network; those computed from them do too (see trtdsl.ir.dims)
        dims = bound_shape(_check_shape(f"input {name!r}", shape), self)
        if not isinstance(shape_tensor, (bool, np.bool_)):
            raise bad_argument("input", "shape_tensor", shape_tensor, "a bool")
        if shape_tensor:
            function("check_shape_io")(f"input {name!r}", TensorType(dt, dims))
        tensor = Tensor(self, TensorType(dt, dims), None, 0, name, True)
        self._register(tensor)
        self.inputs[name] = tensor
        if shape_tensor:
            self.shape_inputs.add(name)
        self._changed()
        return tensor

    def add_profile(self, ranges: Mapping[str, Any]) -> Profile:
        """Declare an optimization profile: ``{dim name or shape-tensor input: (min, opt, max)}`` for
        every named dim and shape-tensor input. Runs check their inputs against the profiles, TensorRT
        builds one optimization profile per call, and trtdsl.testing draws sizes across them.

        >>> import trtdsl as td
        >>> net = td.Network("p")
        >>> x = net.input("x", td.float32, ("batch", 16))
        >>> net.add_profile({"batch": (1, 8, 64)})
        Profile(batch=(1, 8, 64))
        """
        profile = make_profile(self, ranges)
        self._profiles.append(profile)
        self._changed()
        return profile

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """The optimization profiles declared with :meth:`add_profile`, in order.

        >>> import trtdsl as td
        >>> td.Network("p").profiles
        ()
        """
        return tuple(self._profiles)

    def dim_names(self) -> list[str]:
        """The named dims of the network's inputs, in order of appearance (each dim's names sorted).

        >>> import trtdsl as td
        >>> net = td.Network("n")
        >>> _ = net.input("a", td.float32, ("batch", 3)), net.input("b", td.float32, ("seq", "batch"))
        >>> net.dim_names()
        ['batch', 'seq']
        """
        names: dict[str, None] = {}
        for t in self.inputs.values():
            for d in t.shape:
                if isinstance(d, Dim):
                    names.update(dict.fromkeys(sorted(d.symbols())))
        return list(names)

    def mark_output_for_shapes(self, name: str, tensor: Tensor) -> None:
        """Mark ``tensor`` as the output ``name`` whose values are computed as shapes (TensorRT's
        ``markOutputForShapes``): an int32/int64 tensor of static rank 0 or 1, at most 64 elements,
        computable without running the GPU layers (else TensorRT synchronizes: a ShapeSyncWarning).

        >>> import numpy as np, trtdsl as td
        >>> net = td.Network("s")
        >>> x = net.input("x", td.float32, ("n", 3))
        >>> net.mark_output_for_shapes("dims", td.shape_of(x) * 2)
        >>> net.shape_outputs, net.run({"x": np.zeros((5, 3), np.float32)})["dims"]
        ({'dims'}, array([10,  6]))
        """
        self._check_new_name(name, "mark_output_for_shapes")
        if isinstance(tensor, Tensor):
            function("check_shape_io")(f"mark_output_for_shapes {name!r}", tensor.type)
        self.output(name, tensor)
        self.shape_outputs.add(name)
        function("use_as_shape")(f"mark_output_for_shapes {name!r}", self.outputs[name])

    def output(self, name: str, tensor: Tensor) -> None:
        """Mark ``tensor`` as the network output called ``name``."""
        self._check_new_name(name, "output")
        if not isinstance(tensor, Tensor):
            raise ArgumentError(f"output {name!r}: expected a Tensor, got {type(tensor).__name__}"
                                f"{constant_hint(tensor)}")
        if tensor.network is not self:
            raise ArgumentError(f"output {name!r}: tensor {foreign_tensor(tensor, self)}")
        if name in self.outputs:
            raise ArgumentError(f"output: network {self.name!r} already has an output named {name!r}")
        for scope in self._scopes:
            check = getattr(scope, "check_output", None)
            if check is not None:
                check(name, tensor)
        if tensor.user_named or any(t is tensor for t in self.outputs.values()) or tensor.producer is None:
            scopes, self._scopes = self._scopes, []  # the copy is outside any region being defined
            try:
                tensor = function("identity")(tensor, name=name)
            finally:
                self._scopes = scopes
        else:
            self._rename_output(tensor, name)
        self.outputs[name] = tensor
        self._changed()

    def constant(self, values: Any, dtype: DType | str | Any | None = None, *,
                 name: str | None = None) -> Tensor:
        """A constant layer holding a copy of ``values`` (converted to ``dtype`` if given)."""
        return tensor_function("constant")(self, values, dtype, name=name)

    def add(self, op: Op, inputs: Sequence[Tensor | None], *, name: str | None = None) -> tuple[Tensor, ...]:
        """Add a layer: validate ``op`` on ``inputs`` (Tensors of this network, None for an absent
        optional input) and return its output tensors."""
        return self._add(op, inputs, name, 1)

    def add1(self, op: Op, inputs: Sequence[Tensor | None], *, name: str | None = None) -> Tensor:
        """:meth:`add` for single-output layers."""
        return self._add(op, inputs, name, 1)[0]

    def _add(self, op: Op, inputs: Sequence[Tensor | None], name: str | None, at: Where,
             out_types: tuple[TensorType, ...] | None = None, memo: bool = False) -> tuple[Tensor, ...]:
        """:meth:`add` and :meth:`add1`, which pass ``at=1``: the search for the layer's location starts
        ``at`` frames beyond this one's caller, the frames in between being trtdsl's own (add1's, which
        the search would make a frame object of to find that out). A layer function of trtdsl calls it
        directly with the frames it knows are trtdsl's: itself, and its own callers where they are
        trtdsl's by construction (a private function's); or with the location itself, which it found once
        for the layer and the constants it made for it. ``out_types``: the outputs' types, given by a caller
        that knows them for a layer without inputs that has nothing to check (a constant of owned weights, see
        ``owned_constant``); inferred otherwise. ``memo``: the op was made by a trtdsl function from checked
        values (ints, tuples of ints, enum members), so that ops equal as values are alike in every field's
        type too (``1 == 1.0 == True`` could not mislead): the network keeps the output types it inferred for
        such an op on inputs of given types and looks them up for an equal layer: in any network where the
        outputs' dims are all ints (see ``_INFERRED``), in this one where some is symbolic. Inputs are still
        checked each time."""
        if not isinstance(op, Op):
            raise ArgumentError(f"add: argument 'op' is {op!r}; expected a trtdsl Op (a layer's parameters)")
        ins = tuple(inputs)
        if self._scopes:
            for i, given in enumerate(ins):  # before the region sees them
                self._check_input(op, i, given)
            ins = self._scopes[-1].adapt_inputs(op, ins)
        if out_types is None:
            types: list[TensorType | None] = []
            for t in ins:  # each input checked and its type taken in one pass
                if t is None:
                    types.append(None)
                elif isinstance(t, Tensor) and t.network is self:
                    types.append(t.type)
                else:
                    for i, given in enumerate(ins):
                        self._check_input(op, i, given)
            if memo:
                key = (op, *types)
                out_types = _INFERRED.get(key) or self._inferred.get(key)
                if out_types is None:
                    out_types = _infer(op, types)
                    if all([is_static(t.shape) for t in out_types]):
                        if len(_INFERRED) >= _INFERRED_KEPT:  # ops and shapes made on the fly must
                            _INFERRED.clear()  # not pile up
                        _INFERRED[key] = out_types
                    else:  # a symbolic dim may remember its network (x.shape's dims do): kept for this one
                        self._inferred[key] = out_types
            else:
                out_types = _infer(op, types)
        user_named = name is not None
        node_name = self._fresh(op.name_hint()) if name is None else self._node_name(op, name)
        location = user_location(skip=1 + at) if isinstance(at, int) else at
        node = Node(op, ins, node_name, location, user_named)
        self._node_names[node_name] = node
        tensors = self._tensor_names
        if len(out_types) == 1:
            # an automatic name is free among the tensors too (_fresh sees to it)
            if user_named and node_name in tensors:
                self._claim(tensors, node_name, "a tensor")
            tensor = tensors[node_name] = Tensor(self, out_types[0], node, 0, node_name, user_named)
            node.outputs = (tensor,)
        else:
            outs = []
            for i, ty in enumerate(out_types):
                tensor = Tensor(self, ty, node, i, f"{node_name}:{i}", user_named)
                self._register(tensor)
                outs.append(tensor)
            node.outputs = tuple(outs)
        self.nodes.append(node)
        if self._scopes:
            self._scopes[-1].created(node)
        self._generation += 1
        if self._cache:  # while a network is built, nothing is derived from it yet
            self._cache.clear()
        return node.outputs

    def set_input(self, node: Node, index: int, tensor: Tensor) -> None:
        """Replace input ``index`` of ``node``, or append it when ``index`` is the input count
        (TensorRT's ``ILayer.setInput``, e.g. a recurrence's next value). The layer is validated again
        and its outputs' types must stay the same. Layers stay in creation order, so the new input must
        be made before the layer (except a recurrence's next value, the loop's back edge): anything else
        could form a cycle."""
        if not isinstance(node, Node) or self._node_names.get(node.name) is not node:
            raise ArgumentError(f"set_input: argument 'node' is {shown(node)}; expected a layer of network "
                                f"{self.name!r} (a tensor's .producer)")
        if not isinstance(tensor, Tensor):
            raise ArgumentError(f"{node.op.label()}: set_input expects a Tensor of network {self.name!r}, "
                                f"got {shown(tensor)}{constant_hint(tensor)}")
        self._check_input(node.op, index, tensor)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= len(node.inputs):
            raise ArgumentError(f"{node.op.label()}: set_input index is {shown(index)}; expected an int in "
                                f"[0, {len(node.inputs)}]")
        producer = tensor.producer
        back_edge = node.op.kind == "Recurrence" and index == 1
        if producer is not None and not back_edge and self.nodes.index(producer) >= self.nodes.index(node):
            raise ArgumentError(f"{node.op.label()}: set_input would make %{tensor.name}, created after "
                                f"layer {node.name} (at {producer.location}), its input {index}; a layer's "
                                "inputs must be made before it (a cycle is not a network)")
        ins = node.inputs[:index] + (tensor,) + node.inputs[index + 1:]
        out_types = _infer(node.op, _types(ins))
        if out_types != tuple(t.type for t in node.outputs):
            raise ShapeError(f"{node.op.label()}: setting input {index} to %{tensor.name} would change the "
                             f"layer's output types from {', '.join(str(t.type) for t in node.outputs)} to "
                             f"{', '.join(str(t) for t in out_types)}")
        node.inputs = ins
        self._changed(rewired=True)

    def replace_op(self, node: Node, op: Op) -> None:
        """Give ``node`` the new parameters ``op``, of the same layer kind, with outputs of the same types
        (as TensorRT's layer setters change a layer in place, e.g. ``IConstantLayer.weights``): how
        :mod:`trtdsl.nn` gives the constants of its parameters the values of a loaded checkpoint. What was
        derived from the network (exports, engines, shape values) is forgotten."""
        if not isinstance(node, Node) or self._node_names.get(node.name) is not node:
            raise ArgumentError(f"replace_op: argument 'node' is {shown(node)}; expected a layer of network "
                                f"{self.name!r} (a tensor's .producer)")
        if type(op) is not type(node.op):
            raise bad_argument("replace_op", "op", op, f"a {node.op.kind} op, the kind of layer {node.name}")
        out_types = _infer(op, _types(node.inputs))
        if out_types != tuple(t.type for t in node.outputs):
            raise ShapeError(f"{node.op.label()}: replace_op would change layer {node.name}'s output types "
                             f"from {', '.join(str(t.type) for t in node.outputs)} to "
                             f"{', '.join(str(t) for t in out_types)}")
        node.op = op
        self._changed(rewired=True)

    # -- running --------------------------------------------------------------------------------------
    @overload
    def run(self, inputs: Mapping[str, Any], *, backend: str = "reference", ranks: None = None,
            **options: Any) -> dict[str, np.ndarray]: ...

    @overload
    def run(self, inputs: Sequence[Mapping[str, Any]], *, backend: str = "reference", ranks: int,
            **options: Any) -> list[dict[str, np.ndarray]]: ...

    def run(self, inputs: Any, *, backend: str = "reference", ranks: int | None = None,
            **options: Any) -> Any:
        """Run the network on ``inputs`` (name -> array) and return {output name: array}.

        ``backend="reference"`` (the default) is the NumPy interpreter, which follows TensorRT's
        semantics and runs anywhere. With ``ranks=n`` the network runs as ``n`` ranks that exchange data
        at its collective layers (``td.all_reduce``, ...): ``inputs`` is a list of ``n`` dicts, one per
        rank, and so is the result (the reference only: TensorRT runs one engine per rank)."""
        module = get_backend(backend)
        if ranks is None:
            outputs: dict[str, np.ndarray] = module.run(self, inputs, **options)
            return outputs
        run_ranks = getattr(module, "run_ranks", None)
        if run_ranks is None:
            raise BackendError(f"run: ranks={ranks!r} runs several ranks in one process, which only "
                               "backend='reference' does; TensorRT runs one engine per rank "
                               "(docs/tensorrt.md)")
        per_rank: list[dict[str, np.ndarray]] = run_ranks(self, inputs, ranks, **options)
        return per_rank

    def to_onnx(self, path: Any = None, *, opset: int | None = None, check: bool = False) -> Any:
        """The network as an ``onnx.ModelProto`` (also saved to ``path`` if given), checked by the ONNX
        checker with full shape inference when ``check``; see :func:`trtdsl.backends.onnx.export` (needs
        the ``onnx`` package)."""
        return importlib.import_module(ONNX_EXPORT).export(self, path, opset=opset, check=check)

    def build(self, **options: Any) -> Any:
        """A TensorRT engine of the network (needs TensorRT and a GPU; see docs/tensorrt.md), callable
        like the network: ``engine(x=array)``. Options as :func:`trtdsl.backends.tensorrt.build`, e.g.
        ``profiles={"batch": (1, 8, 64)}`` for every named dim, ``workspace=1 << 30``.

        >>> import trtdsl as td
        >>> from trtdsl.backends.tensorrt import standin
        >>> net = td.Network("n")
        >>> net.output("y", td.relu(net.input("x", td.float32, ("batch", 4))))
        >>> try:
        ...     net.build(trt=standin.module("11.4"))
        ... except td.ArgumentError as e:
        ...     print(e.message)
        build: network 'n' has dynamic dims batch; give profiles={'batch': (min, opt, max)} (or a list of
        such dicts, one per optimization profile)
        """
        return get_backend("tensorrt").build(self, **options)

    def _check_input(self, op: Op, index: int, t: object) -> None:
        """An input of a new layer is None or a Tensor of this network."""
        if t is None:
            return
        if not isinstance(t, Tensor):
            shown = f"a {type(t).__name__}" if not isinstance(t, (int, float, str)) else repr(t)
            raise ArgumentError(f"{op.label()}: input {index} is {shown}; expected a Tensor (or None for an "
                                f"absent optional input){constant_hint(t)}")
        if t.network is not self:
            raise ArgumentError(f"{op.label()}: input {foreign_tensor(t, self)}")

    # -- undoing a failed region ------------------------------------------------------------------------
    def _mark(self) -> tuple[int, int, int, int]:
        """Where the network stands now, for :meth:`_forget_since`."""
        return len(self.nodes), len(self.regions), len(self.inputs), len(self.outputs)

    def _forget_since(self, mark: tuple[int, int, int, int]) -> None:
        """Remove the layers, regions, inputs and outputs made since ``mark`` (:meth:`_mark`), with their
        tensors' names and what scopes and definition-time records keep of them: a loop or conditional
        whose with block failed leaves the network as it was before it, so that the user can fix the block
        and define it again (in a notebook, say) rather than meet its half-made layers at the next run, or
        its names taken. (A tensor made before that an output since named keeps its layer, with a fresh
        automatic name.)"""
        nodes, regions, inputs, outputs = mark
        removed, self.nodes[nodes:] = self.nodes[nodes:], []
        undone = _Undone(self, self.regions[regions:])
        del self.regions[regions:]
        gone: dict[Tensor, None] = {}  # tensors key plain dicts (== builds a layer)
        for name in list(self.inputs)[inputs:]:
            t = self.inputs.pop(name)
            gone[t] = None
            if self._tensor_names.get(t.name) is t:
                del self._tensor_names[t.name]
            self.shape_inputs.discard(name)
        for node in removed:
            if self._node_names.get(node.name) is node:
                del self._node_names[node.name]
            for t in node.outputs:
                gone[t] = None
                if self._tensor_names.get(t.name) is t:
                    del self._tensor_names[t.name]
        for name in [name for i, (name, t) in enumerate(self.outputs.items()) if i >= outputs or t in gone]:
            t = self.outputs.pop(name)
            self.shape_outputs.discard(name)
            if t not in gone and t.name == name and t.producer is not None:  # named by that output: unnamed
                del self._tensor_names[name]
                t._name, t.user_named = self._fresh(t.producer.op.name_hint()), False
                self._tensor_names[t._name] = t
        for holder in [*self._scopes, *self._records.values()]:
            forget = getattr(holder, "forget", None)
            if forget is not None:
                forget(gone, removed)
            elif isinstance(holder, dict):
                for t in gone:
                    holder.pop(t, None)
        for t in gone:  # a tensor the user still holds fails clearly where it is used
            t.network = undone
        self._changed(rewired=True)

    # -- naming ---------------------------------------------------------------------------------------
    def _changed(self, *, rewired: bool = False) -> None:
        """Forget what was derived from the network (a layer, input, output, region or profile was added);
        ``rewired`` (a layer's input was replaced) also its tensors' values, which may have changed."""
        self._generation += 1
        self._cache.clear()
        if rewired:
            self._values.clear()

    def derived(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """What an analysis derives from the network under ``key`` (a run plan, an export), made by ``make()``
        the first time and used until the network changes. Each value is kept with the network's count of
        changes when ``make`` began, and used only while the count is the same: a value made while the
        network changed (another thread defining layers or loading weights), which may be of the network
        before, serves the run that made it only.

        >>> net = Network("n")
        >>> net.derived("answer", lambda: 42), net.derived("answer", lambda: 0)
        (42, 42)
        """
        generation = self._generation
        found = self._cache.get(key)
        if found is not None and found[0] == generation:
            return found[1]
        value = make()
        self._cache[key] = (generation, value)
        return value

    def _check_new_name(self, name: object, what: str) -> None:
        check_name(what, name)

    def _node_name(self, op: Op, name: str | None) -> str:
        if name is None:
            return self._fresh(op.name_hint())
        self._check_new_name(name, op.label())
        self._claim(self._node_names, name, f"{op.label()}: a layer")
        return name

    def unused_name(self, name: str) -> str:
        """``name`` if no layer or tensor of the network has it, else ``name_1``, ``name_2``, ... (the first
        free one), for a layer named after something that may occur twice.

        >>> import trtdsl as td
        >>> net = td.Network("n")
        >>> net.unused_name("w"), net.unused_name("x")
        ('w', 'x')
        >>> _ = net.input("x", td.float32, (1,))
        >>> net.unused_name("x")
        'x_1'
        """
        found, n = name, 0
        while found in self._node_names or found in self._tensor_names:
            n += 1
            found = f"{name}_{n}"
        return found

    def _fresh(self, hint: str) -> str:
        n = self._counters.get(hint, 0)
        name = f"{hint}_{n}"
        while name in self._node_names or name in self._tensor_names:
            n += 1
            name = f"{hint}_{n}"
        self._counters[hint] = n + 1
        return name

    def _claim(self, table: dict[str, _Named], name: str, what: str) -> None:
        """Make ``name`` free in ``table`` for a user: an auto-named holder is renamed, a user-named one
        is an error (user names are never changed)."""
        holder = table.get(name)
        if holder is None:
            return
        if holder.user_named:
            where = f" (created at {holder.location})" if isinstance(holder, Node) else ""
            raise ArgumentError(f"{what} named {name!r} already exists in network {self.name!r}{where}")
        fresh = self._fresh(name.split(":")[0].rsplit("_", 1)[0])
        del table[name]
        if isinstance(holder, Node):
            holder.name = fresh
        else:
            holder._name = fresh
        table[fresh] = holder

    def _register(self, tensor: Tensor) -> None:
        self._claim(self._tensor_names, tensor.name, "a tensor")
        self._tensor_names[tensor.name] = tensor

    def _rename_layer(self, node: Node, name: str) -> None:
        """Give layer ``node`` the name ``name``, as if the user had given it (an importer names layers
        after the model's nodes); ``name`` must not be another user-named layer's."""
        if node.name != name:
            self._claim(self._node_names, name, "a layer")
            del self._node_names[node.name]
            node.name = name
            self._node_names[name] = node
        node.user_named = True

    def _rename_output(self, tensor: Tensor, name: str) -> None:
        self._claim(self._tensor_names, name, "a tensor")
        del self._tensor_names[tensor.name]
        tensor._name = name
        tensor.user_named = True
        self._tensor_names[name] = tensor


class _Undone(Network):
    """The network of the tensors that a loop or conditional whose definition failed made, once they are
    removed (``Network._forget_since``): whatever reads it raises a RegionError saying so, rather than
    meeting layers that are gone. Nothing of a network is set on it."""

    def __init__(self, network: Network, regions: list[Region]) -> None:  # no Network.__init__: see above
        what = f"{regions[0].kind} {regions[0].name!r}" if regions else "a loop or conditional"
        self._message = (f"a tensor made by {what} of network {network.name!r}, whose definition failed and "
                         "was undone (the network is as it was before it), is used; make it again")

    def __getattr__(self, name: str) -> NoReturn:
        raise RegionError(self._message)


def expect_network(fn: str, network: object) -> Network:
    """``network`` if it is a :class:`~trtdsl.Network`, else an ArgumentError naming ``fn``."""
    if not isinstance(network, Network):
        raise bad_argument(fn, "network", network, "a td.Network")
    return network


def foreign_tensor(tensor: Tensor, network: Network) -> str:
    """Says that ``tensor`` is of another network than ``network``, where it is used, and how to fix it."""
    return (f"%{tensor.name} belongs to {other_network(tensor.network, network)} but is used in network "
            f"{network.name!r}; {one_network_fix(network)}")


def other_network(other: Network, network: Network) -> str:
    """``other`` named for a reader who knows ``network``: "network 'b'", or "another network (also named
    'a')" when the two share a name."""
    if other.name == network.name:
        return f"another network (also named {other.name!r})"
    return f"network {other.name!r}"


def one_network_fix(network: Network) -> str:
    """How to fix a tensor of another network used in ``network``."""
    return (f"a tensor is used only in the network that made it: make the value in network {network.name!r} "
            "(with its input(...) or constant(...)) or build everything in one network")


def _types(inputs: tuple[Tensor | None, ...]) -> list[TensorType | None]:
    """The types of a layer's ``inputs``, None for an absent one."""
    return [t.type if t is not None else None for t in inputs]


# The output types inferred for memoized layers (see Network._add's ``memo``), by op and input types, where
# every output dim is an int. Shared by all networks: inference is a function of those values alone, and a
# network defined again, as a benchmark, a test or a notebook cell does, finds every such layer known
# (bench_construction's ResNet-50: 6.3 us a layer with a table per network, 5.1 with this one). A symbolic
# dim may remember the network it was read from (see trtdsl.ir.dims.Dim.owner), which another network must
# not get: such outputs are kept by their own network.
_INFERRED: dict[tuple[Any, ...], tuple[TensorType, ...]] = {}
_INFERRED_KEPT = 4096


def _infer(op: Op, types: list[TensorType | None]) -> tuple[TensorType, ...]:
    """The output types of ``op`` on inputs of ``types``, checked against TensorRT's rank limit."""
    out_types = op.output_types(types)
    for ty in out_types:
        if len(ty.shape) > MAX_RANK:
            raise ShapeError(f"{op.label()}: output rank {len(ty.shape)} exceeds TensorRT's maximum of "
                             f"{MAX_RANK}")
    return out_types


def _check_shape(what: str, shape: Sequence[Any]) -> tuple[DimLike, ...]:
    if isinstance(shape, (str, int)) or not isinstance(shape, Sequence):
        raise ShapeError(f"{what}: argument 'shape' is {shown(shape)}; expected a tuple of ints and dim "
                         "names")
    if len(shape) > MAX_RANK:
        raise ShapeError(f"{what}: shape {tuple(shape)!r} has rank {len(shape)}; TensorRT allows at most "
                         f"{MAX_RANK}")
    dims = []
    for d in shape:
        count = isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_))
        if not (isinstance(d, str) or count and 0 <= d <= MAX_DIM):
            raise ShapeError(
                f"{what}: dim {shown(d)} in shape {shown(tuple(shape))} is invalid; expected an int in "
                f"[0, {MAX_DIM}] or the name of a dynamic dim"
            )
        if isinstance(d, str) and not d.isidentifier():
            raise ShapeError(f"{what}: dim name {d!r} in shape {tuple(shape)!r} is not an identifier")
        dims.append(as_dim(d))
    return tuple(dims)


__all__ = ["Network", "Scope", "DSLError"]
