"""The base class of layer parameters, and the registry of every op kind.

Each op is an attrs ``@frozen`` subclass of :class:`Op` that holds the layer's parameters and knows
its meaning: ``infer`` (validation plus the shape/dtype rule) and ``reference`` (the NumPy
computation, following TensorRT's semantics). Backends are tables keyed by op class
(:mod:`trtdsl.ir.table`).
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Any, Callable, ClassVar, Mapping, Optional, Sequence, cast

import attrs
import numpy as np

from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DTypeError
from trtdsl.ir.types import TensorType

OP_TYPES: dict[str, type["Op"]] = {}
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")

InputTypes = Sequence[Optional[TensorType]]


class Inputs(tuple[TensorType, ...]):
    """The input types :meth:`Op.infer` receives, already checked against :attr:`Op.input_names`: the
    required inputs, in order and all present (unpack them: ``x, w = inputs``). ``all`` holds every input
    in TensorRT's order, None where an optional one is absent (as many as ``input_names`` names); an op
    without ``input_names`` takes any number of inputs, all required.

    >>> from trtdsl import dtypes
    >>> from trtdsl.layers.convolution import Convolution
    >>> f = TensorType(dtypes.float32, (1, 2, 3, 3))
    >>> view = Inputs.of(Convolution(1, (1, 1), (1, 1), (0, 0), (0, 0), (1, 1)), (f, f))
    >>> len(view), view.all[2]
    (2, None)
    """

    @functools.cached_property
    def all(self) -> tuple[Optional[TensorType], ...]:
        """Every input (see the class): set where the view leaves optional ones out, else the view's inputs,
        made the first time an op asks (most never do)."""
        return tuple(self)

    @classmethod
    def of(cls, op: "Op", types: InputTypes) -> "Inputs":
        """The view of ``types`` (which :meth:`Op.check_inputs` accepted) for ``op``."""
        names = op.input_names
        if names is None:  # every input is required, so given (check_inputs says)
            return cls(cast("Sequence[TensorType]", types))
        given = tuple(types) + (None,) * (len(names) - len(types))
        view = cls(cast("tuple[TensorType, ...]", given[:op._required_inputs]))  # all given: check_inputs
        view.all = given
        return view


def ir(*, label: bool = False, names: bool = False, hidden: bool = False, unless_default: bool = False,
       unless_none: bool = False, by_name: bool = False) -> dict[str, bool]:
    """The metadata of an op field (``attrs.field(metadata=ir(...))``) from which :meth:`Op.label`,
    :meth:`Op.attributes` and :meth:`Op.name_hint` derive the op's textual IR:

    - ``label``: the value goes in the label's brackets (``Unary[EXP]``; several are joined by commas)
      rather than among the attributes; ``names``: and its name, lowercased, is the automatic layer name;
    - ``hidden``: never an attribute (a region the layer belongs to, a count of its own);
    - ``unless_default`` / ``unless_none``: an attribute only when it differs from its default / is set;
    - ``by_name``: shown by its ``name`` (``int64`` rather than the dtype's short ``i64``).
    """
    flags = {"label": label or names, "names": names, "hidden": hidden, "unless_default": unless_default,
             "unless_none": unless_none, "by_name": by_name}
    return {key: True for key, on in flags.items() if on}


def label_of(layer: "str | Op") -> str:
    """The label of a layer given as its label or as its op: checks take the op, and label it only for an
    error (every layer is checked; a label is a string built from the op's fields).

    >>> from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation
    >>> label_of(ElementWise(ElementWiseOperation.SUM)), label_of("Pooling[MAX]")
    ('ElementWise[SUM]', 'Pooling[MAX]')
    """
    return layer if isinstance(layer, str) else layer.label()


def expect_dtype(label: "str | Op", arg: str, ty: TensorType, allowed: Sequence[DType],
                 note: str = "") -> None:
    """A DTypeError unless input ``arg`` of layer ``label`` (see :func:`label_of`) has one of the ``allowed``
    dtypes."""
    if ty.dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise DTypeError(f"{label_of(label)}: input '{arg}' has dtype {ty.dtype.name}; expected one of "
                         f"{names}{note}")


def _in_label(value: object) -> str:
    cls = type(value)
    plain = _PLAIN_ENUMS.get(cls)
    if plain is None:
        plain = _PLAIN_ENUMS[cls] = issubclass(cls, enum.Enum) and not hasattr(cls, "short")
    if plain:  # most labels: an enum member, named without an attribute lookup that fails
        return str(value.name)  # type: ignore[attr-defined]
    short = getattr(value, "short", None)  # a dtype
    return short if isinstance(short, str) else str(getattr(value, "name", value))


# per type of a label's values: whether it is an enum without a ``short`` attribute
_PLAIN_ENUMS: dict[type, bool] = {}


# per op class (every layer asks): the names of its label fields, of its ``names`` field, and the stem of
# its automatic names when it has no such field
_NAMING: dict[type, tuple[tuple[str, ...], str | None, str]] = {}


def _naming(cls: type["Op"]) -> tuple[tuple[str, ...], str | None, str]:
    found = _NAMING.get(cls)
    if found is None:
        fields = attrs.fields(cls)
        named = [f.name for f in fields if f.metadata.get("names")]
        stem = cls.name_stem or _SNAKE.sub("_", cls.kind).lower()
        found = _NAMING[cls] = (tuple(f.name for f in fields if f.metadata.get("label")),
                                named[0] if named else None, stem)
    return found


class Op:
    """Parameters and meaning of one layer kind. Subclasses set ``kind`` (unique) and are frozen."""

    __slots__ = ()
    kind: ClassVar[str]
    input_names: ClassVar[tuple[str, ...] | None] = None
    """The layer's inputs in TensorRT's order; a name ending in ``?`` is optional (None, or left out at
    the end). None for an op that takes any number of inputs (all required) and checks how many itself."""
    _required_inputs: ClassVar[int | None] = None
    _input_count: ClassVar[int] = -1  # the number of inputs input_names names, -1 where it is None
    # the inputs whose dtypes input_dtypes restricts, as (index, name, allowed)
    _dtype_checks: ClassVar[tuple[tuple[int, str, Sequence[DType]], ...]] = ()
    __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]
    """Set by ``@attrs.frozen`` on every subclass; declared so that :meth:`attributes` type-checks."""
    input_dtypes: ClassVar[Mapping[str, Sequence[DType]]] = {}
    """The dtypes an input accepts whatever the parameters, by input name (without ``?``):
    :meth:`output_types` checks them before :meth:`infer`, and the table of ``docs/layers.md`` lists them.
    An input whose dtypes depend on the parameters or on another input is checked by ``infer`` alone."""
    dtype_notes: ClassVar[Mapping[str, str]] = {}
    """What a dtype error on an input of :attr:`input_dtypes` adds, e.g. ``" (a bool shape tensor)"``."""
    docs_row: ClassVar[tuple[str, str, str, str] | None] = None
    """The op's row in the table of ``docs/layers.md`` (Markdown): its DSL functions, the TensorRT layer,
    the semantics that differ from NumPy's, and the sources of those readings. The table is generated from
    these (``PYTHONPATH=tests python tests/examples/test_docs.py`` writes it; a test checks it)."""
    name_stem: ClassVar[str | None] = None
    """The automatic layer names' stem where it is not the kind in snake case nor a ``names`` field's value
    (``"matmul"`` for MatrixMultiply)."""
    always_runs: ClassVar[bool] = False
    """Whether the layer runs although no network output needs it: a layer with no output that TensorRT
    keeps for its effect (an assertion). Backends that run only the layers the outputs need run these too."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None:
            OP_TYPES[kind] = cls
        names = cls.input_names
        required = None if names is None else sum(1 for n in names if not n.endswith("?"))
        cls._required_inputs = required
        cls._input_count = -1 if names is None else len(names)
        plain = [name.rstrip("?") for name in names or ()]
        cls._dtype_checks = tuple((i, name, cls.input_dtypes[name]) for i, name in enumerate(plain)
                                  if name in cls.input_dtypes)
        assert names is None or all(n.endswith("?") for n in names[required:]), \
            f"{cls.__name__}: optional inputs come last"

    def check_inputs(self, inputs: Sequence[object]) -> None:
        """Raise an ArgumentError unless ``inputs`` fit :attr:`input_names`: as many as it names (optional
        ones may be left out at the end) and a value for every required one. ``infer`` may then rely on
        them.

        >>> import trtdsl as td
        >>> from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation
        >>> op = ElementWise(ElementWiseOperation.SUM)
        >>> try:
        ...     op.check_inputs((None, None))
        ... except td.ArgumentError as e:
        ...     print(e.message)
        ElementWise[SUM]: input 0 ('a') is None; it is required
        """
        required = self._required_inputs
        if required is None:  # any number of inputs, every one required
            for i, t in enumerate(inputs):
                if t is None:
                    raise ArgumentError(f"{self.label()}: input {i} is None; it is required")
            return
        names = self.input_names
        assert names is not None
        if not required <= len(inputs) <= len(names):
            count = str(required) if required == len(names) else f"{required} to {len(names)}"
            raise ArgumentError(f"{self.label()}: got {len(inputs)} input{'' if len(inputs) == 1 else 's'}; "
                                f"expected {count} ({', '.join(names)})")
        for i in range(required):  # optional inputs come last
            if inputs[i] is None:
                raise ArgumentError(f"{self.label()}: input {i} ('{names[i]}') is None; it is required")

    def output_types(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        """The outputs' types for inputs of types ``inputs`` (None for an absent optional one): checks
        them against :attr:`input_names`, then :meth:`infer` (a DSLError if invalid)."""
        view = None
        if len(inputs) == self._input_count:  # the common case, checked fast: every input given
            for t in inputs:
                if t is None:
                    break
            else:
                given = tuple(inputs)
                required = self._required_inputs
                # no None in given: checked above (typing.cast would cost a call, every layer comes this way)
                if required == len(given):
                    view = Inputs(given)  # type: ignore[arg-type]
                else:
                    view = Inputs(given[:required])  # type: ignore[arg-type]
                    view.all = given
        if view is None:
            self.check_inputs(inputs)
            view = Inputs.of(self, inputs)
        for i, name, allowed in self._dtype_checks:
            t = view.all[i]
            if t is not None:
                expect_dtype(self, name, t, allowed, self.dtype_notes.get(name, ""))
        return self.infer(view)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        """Validate the inputs' types and return the outputs' types (raise a DSLError if invalid). Called
        by :meth:`output_types` with the checked view of the inputs."""
        raise NotImplementedError(f"{type(self).__name__}.infer")

    def reference(self, *inputs: Any) -> tuple[np.ndarray, ...]:
        """Compute the outputs with NumPy, as TensorRT does. Subclasses name the inputs (arrays, None for
        an absent optional one) as parameters, in :attr:`input_names` order."""
        raise NotImplementedError(f"{type(self).__name__}.reference")

    def reference_for(self, inputs: Sequence[tuple[np.dtype, tuple[int, ...]]]) -> Callable[..., Any] | None:
        """:meth:`reference` for inputs of the dtypes and shapes ``inputs`` (one pair per input, all given),
        known when the reference interpreter makes a program: the same operations with the work that depends
        only on them done once, or None where there is nothing to do once (the default)."""
        return None

    def label(self) -> str:
        """The op as the textual IR names it, e.g. ``Activation[RELU]``: the kind, and the values of the
        fields marked ``ir(label=True)`` in brackets."""
        names = _naming(type(self))[0]
        if not names:
            return self.kind
        return f"{self.kind}[{','.join([_in_label(getattr(self, name)) for name in names])}]"

    def name_hint(self) -> str:
        """The stem of automatic layer names, e.g. ``relu`` for ``relu_0``: a ``names`` field's value, else
        :attr:`name_stem`, else the kind in snake case."""
        cls = type(self)
        _, field, stem = _NAMING.get(cls) or _naming(cls)  # every layer asks: no call once it is known
        if field is None:
            return stem
        value = getattr(self, field)
        # an enum member's _name_ is its name, without the cost of the name property
        return str(value._name_ if isinstance(value, enum.Enum) else value.name).lower()

    def attributes(self) -> dict[str, object]:
        """The parameters shown in the textual IR: the fields in order, as their :func:`ir` metadata says
        (all of them when they have none)."""
        shown: dict[str, object] = {}
        for f in attrs.fields(type(self)):
            value, meta = getattr(self, f.name), f.metadata
            if (meta.get("label") or meta.get("hidden") or meta.get("unless_none") and value is None
                    or meta.get("unless_default") and value == f.default):
                continue
            shown[f.name] = value.name if meta.get("by_name") else value
        return shown
