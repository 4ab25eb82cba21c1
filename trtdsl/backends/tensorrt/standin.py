"""A strict, recording stand-in for TensorRT's Python API, generated from an API manifest.

``standin.module("11.4")`` returns an object that can be used where ``import tensorrt as trt`` is:
every class of the manifest exists with its methods (as functions on the class) and properties (as
``property`` descriptors), enums have exactly the manifest's members, and each call is checked as
pybind11 checks it: unknown methods and properties raise AttributeError, calls that fit no overload
(wrong arity, unknown keyword, wrong argument type, an int where an enum is expected) raise TypeError,
writing a read-only property raises AttributeError. In two places it is stricter than pybind11, which
converts them: a bool is not an int, and a NumPy array is not a list (for Dims, Permutation and other
sequences); a lowering that relied on those conversions would be a bug, so the stand-in refuses it.

It implements what building and inspecting a network needs: the builder, networks, layers, tensors,
``Dims``/``Permutation``/``Weights``, enums, builder configs and optimization profiles. Networks are
recorded so that :func:`trtdsl.backends.tensorrt.raise_network` reads them back exactly as it reads a
real ``INetworkDefinition``. It computes no shapes and builds no engines: what needs the TensorRT
library raises NotImplementedError, and every call is appended to ``calls`` for tests to examine.

>>> trt = module("11.4")
>>> net = trt.Builder(trt.Logger()).create_network(0)
>>> x = net.add_input("x", trt.float32, (2, 3))
>>> layer = net.add_activation(x, trt.ActivationType.RELU)
>>> layer.alpha = 0.5
>>> net.add_activation(x, "RELU")
Traceback (most recent call last):
...
TypeError: add_activation(): incompatible function arguments. The following argument types are supported:
    1. (self: INetworkDefinition, input: ITensor, type: ActivationType) -> IActivationLayer
<BLANKLINE>
Invoked with: INetworkDefinition, ITensor, 'RELU'
>>> layer.slope = 0.1
Traceback (most recent call last):
...
AttributeError: 'IActivationLayer' object has no attribute 'slope'
"""

from __future__ import annotations

import ctypes
import operator
import re
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

import attrs
import numpy as np

from trtdsl.backends.tensorrt import manifest as manifests
from trtdsl.backends.tensorrt.api import LAYER_CLASSES
from trtdsl.backends.tensorrt.manifest import Manifest, Signature

# Numpy dtypes the bindings convert to and from Weights (pybind11 `utils::type` / `utils::nptype`).
NUMPY_WEIGHTS = {
    "FLOAT": "f4",
    "HALF": "f2",
    "INT8": "i1",
    "INT32": "i4",
    "INT64": "i8",
    "BOOL": "b1",
    "UINT8": "u1",
}
_WEIGHTS_TYPES = {code: name for name, code in NUMPY_WEIGHTS.items()}
# The same by the dtypes of native byte order: a dtype is found at once, where its ``.str`` is made anew at
# every read (see _weights_type).
_WEIGHTS_DTYPES = {np.dtype(code): name for code, name in _WEIGHTS_TYPES.items()}
# Bits per element of every DataType (sub-byte types are packed two per byte).
BITS = {
    "FLOAT": 32,
    "HALF": 16,
    "BF16": 16,
    "INT8": 8,
    "INT32": 32,
    "INT64": 64,
    "BOOL": 8,
    "UINT8": 8,
    "FP8": 8,
    "E8M0": 8,
    "INT4": 4,
    "FP4": 4,
}
# Output counts of layers with other than one output.
OUTPUT_COUNTS = {
    "IAssertionLayer": 0,
    "ITripLimitLayer": 0,
    "IConditionLayer": 0,
    "ITopKLayer": 2,
    "INMSLayer": 2,
    "IDynamicQuantizeLayer": 2,
}
# Arguments of add_* methods that set a property of another name (the rest set the property of their
# own name, or are inputs when they are tensors).
ARGUMENT_PROPERTIES = {
    "kernel_shape": "kernel_size_nd",
    "window_size": "window_size_nd",
    "window": "window_size",
    "pre_padding": "pre_padding_nd",
    "post_padding": "post_padding_nd",
    "output_type": "to_type",
    "axesMask": "axes",
}
ARGUMENT_PROPERTIES_BY_CLASS = {("IFillLayer", "op"): "operation"}
# LayerType of each layer class (ILayer.type).
LAYER_TYPES = {cls: kind for kind, cls in LAYER_CLASSES.items() if cls != "ILayer"}
MAX_DIMS = 8
_SEQUENCE = re.compile(
    r"^(?:collections\.abc\.Sequence|typing\.Sequence|Sequence|list|List|typing\.List)\[(.+)\]$"
)
_OPTIONAL = re.compile(r"^(?:typing\.)?Optional\[(.+)\]$")
_DIMS_CLASSES = ("Dims", "Dims2", "DimsHW", "Dims3", "Dims4")
_SEQUENCE_CLASSES = frozenset(_DIMS_CLASSES + ("Permutation",))


class StandInError(RuntimeError):
    """Something the stand-in cannot answer without TensorRT (a default it does not know, a shape it
    does not compute)."""


@attrs.frozen
class Call:
    """One recorded use of the API: ``kind`` is ``"call"``, ``"get"`` or ``"set"`` (a property);
    ``args`` are the names of the parameters a call passed."""

    owner: str
    member: str
    kind: str
    args: tuple[str, ...]


class StandIn:
    """The stand-in module for one manifest: classes as attributes, plus the call log ``calls``."""

    def __init__(self, api: Manifest) -> None:
        self.manifest = api
        self.__version__ = api.version
        self.calls: list[Call] = []
        self._classes: dict[str, type[Any]] = {}  # made at run time from the manifest
        self._own: dict[tuple[str, str], Callable[..., Any]] = {}
        self._checks: dict[str, Callable[[Any], bool]] = {}  # see accepts
        self._converters: dict[str, Callable[[Any], Any]] = {}  # see convert
        self._behaviours: dict[tuple[str, str], Callable[..., Any] | None] = {}  # see _behaviour
        # each overload's binder, by id (a call of the API binds its arguments to every overload tried);
        # the entry keeps the signature alive, so its id is not reused
        self._binders: dict[int, tuple[Signature, _Binder]] = {}
        self._dispatch: dict[tuple[str, str, str], _Dispatch] = {}  # see invoke
        self._constructors: dict[type, _Dispatch] = {}  # see _Object.__init__
        # each method's dispatches, by class (see _method), and the constructors'
        self._method_dispatches: list[dict[type, _Dispatch]] = [self._constructors]
        # the dispatches _method made class attributes: (class, method, the attribute it replaced or None)
        self._installed: list[tuple[type, str, Any]] = []
        # per (class, property): the getter found for it (see get), and what setting it takes (see set)
        self._getters: dict[tuple[str, str], tuple[Callable[[StandIn, Any], Any] | None, Call]] = {}
        self._setters: dict[tuple[str, str], Callable[[Any, Any], None]] = {}
        self._layer_plans: dict[int, tuple[Signature, _Add]] = {}  # see _add_layer
        self._layer_makers: dict[str, Callable[[Any, dict[str, Any]], Any]] = {}  # see _new_layer
        for name in api.classes:
            self._make_class(name)
        for name, cls in self._classes.items():
            owner, _, attr = name.rpartition(".")
            setattr(self._classes[owner] if owner else self, attr, cls)
        for name, cls in self._classes.items():
            for prop, entry in api.classes[name].properties.items():
                if entry.writable:  # its setter, made now that every class a value may be is made
                    setattr(cls, prop, cls.__dict__[prop].setter(self._setter(name, prop)))
        for name, cls in self._classes.items():
            for member, value in (api.classes[name].enum or {}).items():
                setattr(cls, member, cls._member(member, value))
        for name, cls in self._classes.items():
            for member, ref in api.classes[name].constants.items():
                setattr(cls, member, self._constant(ref, name))
        for name, ref in api.constants.items():
            setattr(self, name, self._constant(ref, ""))
        self.volume = _volume
        self.nptype = self._nptype

    def __repr__(self) -> str:
        return f"<TensorRT {self.__version__} stand-in>"

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any:
            """The manifest's classes and constants, set as attributes when the stand-in is made."""

    # -- classes ---------------------------------------------------------------------------------------
    def _make_class(self, name: str) -> type:
        if name in self._classes:
            return self._classes[name]
        spec = self.manifest.classes[name]
        owner, _, attr = name.rpartition(".")
        if owner:  # a nested class the manifest lists on a subclass too (Logger.Severity) is the base's own
            for base in self.manifest.classes[owner].bases:
                inherited = self.manifest.classes.get(f"{base}.{attr}")
                if inherited is not None and inherited.enum == spec.enum:
                    cls = self._classes[name] = self._make_class(f"{base}.{attr}")
                    return cls
        bases = tuple(self._make_class(b) for b in spec.bases if b in self.manifest.classes)
        mixin = _MIXINS.get(name)
        namespace: dict[str, Any] = {"__slots__": (), "_standin": self, "_name": name, "__qualname__": name}
        for member in spec.methods:
            if member != "__init__":  # construction goes through _Object.__init__, which checks it
                namespace[member] = self._method(name, member)
        for prop, entry in spec.properties.items():
            namespace[prop] = self._property(name, prop)
        if spec.enum is not None:
            namespace["__members__"] = {}
        parents = bases or (_Enum if spec.enum is not None else _Object,)
        cls = type(name.rpartition(".")[2], ((mixin,) if mixin else ()) + parents, namespace)
        self._classes[name] = cls
        return cls

    def cls(self, name: str) -> type:
        """The stand-in class called ``name`` (``"ILogger.Severity"`` for nested classes)."""
        return self._classes[name]

    def _constant(self, ref: str, scope: str) -> Any:
        cls_name, _, member = ref.rpartition(".")
        nested = [n for n in self._classes if n.endswith(f".{cls_name}")]
        for candidate in [f"{scope}.{cls_name}", cls_name] + nested:
            if candidate in self._classes:
                return getattr(self._classes[candidate], member)
        raise StandInError(f"constant {ref!r} names no enum of TensorRT {self.__version__}")

    def _method(self, owner: str, name: str) -> Callable[..., Any]:
        standin = self
        dispatches: dict[type, _Dispatch] = {}  # by the object's class (see invoke)
        self._method_dispatches.append(dispatches)

        # The first call on an object of a class whose attribute this is makes the class's dispatch its
        # attribute: later calls run the dispatch itself, without this function's frame.
        def method(self_: Any, *args: Any, **kwargs: Any) -> Any:
            cls = type(self_)
            dispatch = dispatches.get(cls)
            if dispatch is None:
                dispatch = dispatches[cls] = standin._make_dispatch(owner, cls._name, name)
            if getattr(cls, name, None) is method:
                standin._installed.append((cls, name, cls.__dict__.get(name)))
                setattr(cls, name, dispatch)
            return dispatch(self_, *args, **kwargs)

        method.__name__ = name
        method.__qualname__ = f"{owner}.{name}"
        return method

    def _property(self, owner: str, name: str) -> property:
        """The property ``owner.name``, read-only: the stand-in gives a writable one its setter once every
        class is made (see __init__)."""
        standin = self

        # Like pybind11's, the accessors are those of the class that defines the property, whatever the
        # object's class (ILayer.type.fget(layer) is the LayerType even for an IActivationLayer).
        def fget(self_: Any) -> Any:
            return standin.get(owner, name, self_)

        return property(fget)

    def new(self, cls_name: str, **state: Any) -> Any:
        """An object of class ``cls_name`` made by the stand-in itself (as TensorRT returns objects)."""
        obj = object.__new__(self._classes[cls_name])
        obj._state = dict(state)
        return obj

    # -- calls -----------------------------------------------------------------------------------------
    def invoke(self, owner: str, cls_name: str, name: str, obj: Any, args: tuple, kwargs: dict) -> Any:
        """Check a call against the manifest, record it, and run the stand-in's behaviour."""
        dispatch = self._dispatch.get((owner, cls_name, name))
        if dispatch is None:
            dispatch = self._dispatch[(owner, cls_name, name)] = self._make_dispatch(owner, cls_name, name)
        return dispatch(obj, *args, **kwargs)

    def _bind_call(self, owner: str, name: str, overloads: tuple[tuple[Signature, _Binder], ...],
                   behaviour: Behaviour, obj: Any, args: tuple, kwargs: dict) -> Any:
        """A call of ``owner.name`` that no compiled binding takes (keywords, or arguments no overload
        accepts): bound to the first overload that accepts the arguments, recorded and run; the error
        pybind11 gives if none does."""
        for sig, binder in overloads:
            bound = binder.bind(args, kwargs)
            if bound is not None:
                break
        else:
            sig, bound = self.bind(name, tuple(sig for sig, _ in overloads), args, kwargs, obj)
        self.calls.append(Call(owner, name, "call", tuple(bound)))
        return behaviour(self, obj, sig, bound)

    def _make_dispatch(self, owner: str, cls_name: str, name: str) -> _Dispatch:
        method = self.manifest.method(cls_name, name)
        if method is None and name == "__init__":
            raise TypeError(f"{cls_name}: No constructor defined!")
        assert method is not None, f"{cls_name}.{name} was generated from the manifest"
        overloads = tuple((sig, self._binder(sig)) for sig in method.overloads)
        behaviour = self._behaviour(cls_name, name)
        if behaviour is None:
            def behaviour(si: StandIn, obj: Any, sig: Signature, a: dict) -> Any:
                raise NotImplementedError(
                    f"{cls_name}.{name} exists in TensorRT {self.__version__}, but the stand-in does not "
                    "implement it (it needs the TensorRT library)"
                )
        return _compile_dispatch(self, owner, name, overloads, behaviour)

    def implement(self, owner: str, member: str, fn: Callable[..., Any]) -> None:
        """Give this stand-in a behaviour for ``owner.member``: a method ``fn(obj, **arguments)`` or, for a
        property, a getter ``fn(obj)`` (e.g. a fake engine for tests of the runtime). The manifest still
        decides whether the member exists and checks every call."""
        if self.manifest.method(owner, member) is None and self.manifest.property(owner, member) is None:
            raise StandInError(f"TensorRT {self.__version__} has no {owner}.{member}")
        self._own[(owner, member)] = fn
        self._behaviours.clear()
        self._dispatch.clear()
        for dispatches in self._method_dispatches:
            dispatches.clear()
        for cls, name, replaced in reversed(self._installed):
            if replaced is None:
                delattr(cls, name)
            else:
                setattr(cls, name, replaced)
        self._installed.clear()
        self._getters.clear()

    def _behaviour(self, cls_name: str, name: str) -> Callable[..., Any] | None:
        key = (cls_name, name)
        if key not in self._behaviours:
            self._behaviours[key] = self._find_behaviour(cls_name, name)
        return self._behaviours[key]

    def _find_behaviour(self, cls_name: str, name: str) -> Callable[..., Any] | None:
        for spec in self.manifest.mro(cls_name):
            own = self._own.get((spec.name, name))
            if own is not None:
                return lambda si, obj, sig, a: own(obj, **a)
            found = _BEHAVIOURS.get((spec.name, name))
            if found is not None:
                return found
        if name.startswith("add_") and cls_name in ("INetworkDefinition", "ILoop", "IIfConditional"):
            return _add_layer
        return None

    def bind(
        self, name: str, overloads: tuple[Signature, ...], args: tuple, kwargs: dict, obj: Any = None
    ) -> tuple[Signature, dict[str, Any]]:
        """The first overload that accepts ``args``/``kwargs`` (pybind11's rule), with the arguments by
        name."""
        found = self._bind_fast(overloads, args, kwargs)
        if found is not None:
            return found
        lines = [
            f"    {i}. ({_self_param(obj)}{', '.join(_param_text(p) for p in s.params)}) -> {s.returns}"
            for i, s in enumerate(overloads, 1)
        ]
        shown = ([type(obj).__name__] if obj is not None else []) + [_arg_text(a) for a in args]
        shown += [f"kwargs: {', '.join(f'{k}={_arg_text(v)}' for k, v in kwargs.items())}"] if kwargs else []
        raise TypeError(
            f"{name}(): incompatible function arguments. The following argument types are supported:\n"
            + "\n".join(lines)
            + f"\n\nInvoked with: {', '.join(shown)}"
        )

    def _bind_fast(self, overloads: tuple[Signature, ...], args: tuple, kwargs: dict
                   ) -> tuple[Signature, dict[str, Any]] | None:
        """The first overload that accepts the arguments, and the arguments by name; None if none does."""
        for sig in overloads:
            bound = self._binder(sig).bind(args, kwargs)
            if bound is not None:
                return sig, bound
        return None

    def _binder(self, sig: Signature) -> _Binder:
        found = self._binders.get(id(sig))
        if found is None:
            found = self._binders[id(sig)] = (sig, _Binder(self, sig))
        return found[1]

    def accepts(self, type_text: str, value: Any, default: str | None = None) -> bool:
        """Whether pybind11 would convert ``value`` to the parameter type ``type_text``."""
        if value is None and default == "None":
            return True
        return self.check(type_text)(value)

    def check(self, type_text: str) -> Callable[[Any], bool]:
        """The test of :meth:`accepts` for the parameter type ``type_text`` (not taking a None default)."""
        check = self._checks.get(type_text)
        if check is None:
            check = self._checks[type_text] = self._check(type_text)
        return check

    def _check(self, type_text: str) -> Callable[[Any], bool]:
        """The test :meth:`accepts` makes for the parameter type ``type_text``, worked out once per type
        (lowering checks several arguments per layer)."""
        t = type_text.strip()
        if t in ("object", "typing.Any"):
            return lambda value: True
        if "|" in t:
            parts = [self._check(part) for part in t.split("|")]
            return lambda value: any(part(value) for part in parts)
        m = _OPTIONAL.match(t)
        if m:
            inner = self._check(m.group(1))
            return lambda value: value is None or inner(value)
        m = _SEQUENCE.match(t)
        if m:
            item = self._check(m.group(1))
            if item is _is_int:
                return lambda value: isinstance(value, (list, tuple)) and _are_ints(value)
            return lambda value: isinstance(value, (list, tuple)) and all(map(item, value))
        simple = _SIMPLE_TYPES.get(t)
        if simple is not None:
            return simple
        if t in self._classes:
            cls, implicit = self._classes[t], _IMPLICIT.get(t.rpartition(".")[2])
            if implicit is None:
                return cls.__instancecheck__  # isinstance(value, cls), calling no Python code
            return implicit(cls)

        def unknown(value: Any) -> bool:
            raise StandInError(f"the stand-in cannot check values of type {t!r} (TensorRT {self.__version__})")

        return unknown

    def instance_class(self, type_text: str) -> type | None:
        """The stand-in class a value of parameter type ``type_text`` must be an instance of, when that is
        the whole test (no implicit conversion to it); None for other types."""
        t = type_text.strip()
        if t in self._classes and _IMPLICIT.get(t.rpartition(".")[2]) is None:
            return self._classes[t]
        return None

    def get(self, cls_name: str, name: str, obj: Any) -> Any:
        found = self._getters.get((cls_name, name))
        if found is None:
            found = self._getters[(cls_name, name)] = (self._find_getter(cls_name, name),
                                                       Call(cls_name, name, "get", ()))
        getter = found[0]
        self.calls.append(found[1])  # a value: the same record every time
        if getter is not None:
            return getter(self, obj)
        state = obj._state
        if name in state:
            return state[name]
        default = _DEFAULTS.get((cls_name, name), _DEFAULTS.get(("*", name)))
        if default is not None:
            return default(self, obj)
        raise StandInError(
            f"{cls_name}.{name} was read before it was set; the stand-in does not know TensorRT "
            f"{self.__version__}'s default for it"
        )

    def _find_getter(self, cls_name: str, name: str) -> Callable[[StandIn, Any], Any] | None:
        getter: Callable[[StandIn, Any], Any] | None = None
        for spec in self.manifest.mro(cls_name):
            own = self._own.get((spec.name, name))
            if own is not None:
                getter = lambda si, obj, own=own: own(obj)  # noqa: E731  (a getter like _GETTERS' entries)
            else:
                getter = _GETTERS.get((spec.name, name))
            if getter is not None or name in spec.properties:
                break
        return getter

    def set(self, cls_name: str, name: str, obj: Any, value: Any) -> None:
        self._setter(cls_name, name)(obj, value)

    def _setter(self, cls_name: str, name: str) -> Callable[[Any, Any], None]:
        setter = self._setters.get((cls_name, name))
        if setter is None:
            setter = self._setters[(cls_name, name)] = self._make_setter(cls_name, name)
        return setter

    def _make_setter(self, cls_name: str, name: str) -> Callable[[Any, Any], None]:
        """What writing the property ``cls_name.name`` does, worked out once: check the value's type, record
        the write, store the value converted, and any effect besides (see _SETTERS)."""
        prop = self.manifest.property(cls_name, name)
        assert prop is not None and prop.writable
        target = prop.set_type or prop.type
        also = _SETTERS.get((cls_name, name))
        record = Call(cls_name, name, "set", ("value",))
        check, convert, standin = self.check(target), self._converter(target), self
        converts = convert is not _unchanged  # most types keep the value as given: no call then
        # the type whose values the check takes at once (a float for a float, an int for an int): no call then
        plain = _PLAIN_TYPES.get(target)

        def setter(obj: Any, value: Any) -> None:
            if type(value) is not plain and not check(value):
                raise TypeError(
                    f"(): incompatible function arguments. The following argument types are supported:\n"
                    f"    1. (self: {cls_name}, arg0: {target}) -> None\n\n"
                    f"Invoked with: {cls_name}, {_arg_text(value)}"
                )
            standin.calls.append(record)  # a value: the same record every time
            if converts:
                value = convert(value)
            obj._state[name] = value
            if also is not None:
                also(standin, obj, value)

        if target != "Dims":
            return setter
        dims = self._classes["Dims"]

        # Dims properties (strides, paddings) are mostly given a tuple of plain ints: that passes the check
        # and converts to the same values at once; anything else goes through the setter above
        def dims_setter(obj: Any, value: Any) -> None:
            if type(value) is tuple and len(value) <= MAX_DIMS and _PLAIN_INT.issuperset(map(type, value)):
                standin.calls.append(record)
                converted = object.__new__(dims)
                converted._state = {"values": [*value]}
                obj._state[name] = converted
                if also is not None:
                    also(standin, obj, converted)
            else:
                setter(obj, value)

        return dims_setter

    def unset_dims(self) -> Any:
        """Dims as NvInfer.h gives them for a property never set (nbDims = -1): ``len()`` fails (the
        bindings' ``__len__`` returns -1, which Python refuses) and iterating gives nothing."""
        obj = object.__new__(self._classes["Dims"])
        obj._state = {"values": [], "unset": True}
        return obj

    def convert(self, type_text: str, value: Any) -> Any:
        """``value`` after pybind11's implicit conversion to ``type_text`` (tuples to Dims, arrays to
        Weights)."""
        return self._converter(type_text)(value)

    def _converter(self, type_text: str) -> Callable[[Any], Any]:
        """The conversion :meth:`convert` makes to ``type_text``, worked out once per type."""
        found = self._converters.get(type_text)
        if found is not None:
            return found
        name = type_text.rpartition(".")[2]
        if name == "Dims":  # the common case, made at once: pybind11 converts in C++, calling no Python code
            dims = self._classes[name]

            def found(value: Any) -> Any:
                if not isinstance(value, (list, tuple)):
                    return value
                obj = object.__new__(dims)
                # a value the check of Dims took (at most MAX_DIMS ints): _dims_values' test is not needed,
                # and each item's index is its int (as int(item), without the call through the type)
                obj._state = {"values": list(map(operator.index, value))}
                return obj
        elif name in _SEQUENCE_CLASSES:
            cls = self._classes[name]
            found = lambda value: (  # noqa: E731
                cls(list(value)) if isinstance(value, (list, tuple)) else value)
        elif name == "Weights":
            cls = self._classes[name]
            found = lambda value: cls(value) if isinstance(value, np.ndarray) else value  # noqa: E731
        else:
            found = _unchanged
        self._converters[type_text] = found
        return found

    def _nptype(self, trt_type: Any) -> type:
        code = NUMPY_WEIGHTS.get(getattr(trt_type, "name", ""))
        if code is None:
            raise TypeError("Could not resolve TensorRT datatype to an equivalent numpy datatype.")
        return np.dtype(code).type


class _Binder:
    """How :meth:`StandIn.bind` binds arguments to one overload, worked out once: the parameter names
    (without ``*args``/``**kwargs``), whether it takes any others, and each parameter's test."""

    __slots__ = ("names", "named", "variadic", "checks", "types")

    def __init__(self, si: StandIn, sig: Signature) -> None:
        params = [p for p in sig.params if not p.name.startswith("*")]
        self.names = tuple(p.name for p in params)
        self.named = frozenset(self.names)
        self.variadic = len(params) != len(sig.params)
        self.checks = tuple((p.name, p.required, p.default == "None", si.check(p.type)) for p in params)
        self.types = tuple(p.type for p in params)

    def takes(self, count: int) -> bool:
        """Whether the overload takes ``count`` positional arguments and no others (every later parameter
        has a default)."""
        return count <= len(self.names) and not any(required for _, required, _, _ in self.checks[count:])

    def positional(self, si: StandIn, count: int, tests: dict[str, Any], prefix: str) -> tuple[str, str]:
        """What :meth:`bind` does with ``count`` positional arguments ``a0``, ``a1``... and no others (which
        :meth:`takes`), as Python source: the condition that they are accepted, each argument's test written
        out (``isinstance`` for a class that takes no implicit conversion, a plain int's type for an int), and
        the dict of the arguments by name. The tests it names (``<prefix><i>``) are added to ``tests``."""
        conditions, entries = [], []
        for i, (name, _, none_ok, check) in enumerate(self.checks[:count]):
            cls = si.instance_class(self.types[i])
            tests[f"{prefix}{i}"] = cls if cls is not None else check
            if cls is not None:
                condition = f"isinstance(a{i}, {prefix}{i})"
            elif check is _is_int:  # a plain int, the common case, passes without a call
                condition = f"(type(a{i}) is int or {prefix}{i}(a{i}))"
            else:
                condition = f"{prefix}{i}(a{i})"
            conditions.append(f"(a{i} is None or {condition})" if none_ok else condition)
            entries.append(f"{name!r}: a{i}")
        return " and ".join(conditions) or "True", f"{{{', '.join(entries)}}}"

    def bind(self, args: tuple, kwargs: dict) -> dict[str, Any] | None:
        """The arguments by name, or None if the overload does not accept them."""
        names = self.names
        if len(args) > len(names) and not self.variadic:
            return None
        bound = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in bound or not (key in self.named or self.variadic):  # given twice, or unknown
                return None
            bound[key] = value
        for name, required, none_ok, check in self.checks:
            if name not in bound:
                if required:
                    return None
                continue
            value = bound[name]
            if not (value is None and none_ok or check(value)):
                return None
        return bound


# The code the stand-in compiled (dispatches, add_* methods, layer makers), by its source (see _compiled).
_COMPILED: dict[str, Any] = {}
# How the stand-in handles the calls of one method on one class: ``dispatch(obj, *args, **kwargs)``
# checks the arguments, records the call and runs the method's behaviour (see _compile_dispatch).
_Dispatch = Callable[..., Any]


def _compile_dispatch(si: StandIn, owner: str, name: str, overloads: tuple[tuple[Signature, _Binder], ...],
                      behaviour: Behaviour) -> _Dispatch:
    """The dispatch of ``owner.name``, compiled into one function: for each count of positional arguments
    given without keywords, the overloads that take that many, each with its test written out (see
    _Binder.positional), its record and ``behaviour``; any other call goes to :meth:`StandIn._bind_call`."""
    namespace: dict[str, Any] = {"si": si, "behaviour": behaviour, "owner": owner, "name": name,
                                 "overloads": overloads}
    cases = []
    for count in range(max((len(binder.names) for _, binder in overloads), default=-1) + 1):
        lines = []
        for j, (sig, binder) in enumerate(overloads):
            if binder.takes(count):
                condition, bound = binder.positional(si, count, namespace, f"t{j}_")
                namespace[f"s{j}"], namespace[f"r{j}"] = sig, Call(owner, name, "call", binder.names[:count])
                # a generic add_* runs its overload's compiled function at once (see _add_layer)
                namespace[f"b{j}"] = _layer_adder(si, sig) if behaviour is _add_layer else behaviour
                lines.append(f"            if {condition}:\n"
                             f"                si.calls.append(r{j})\n"  # a value: the same record every time
                             f"                return b{j}(si, obj, s{j}, {bound})\n")
        if lines:
            unpack = f"            {''.join(f'a{i}, ' for i in range(count))}= args\n" if count else ""
            cases.append(f"        if count == {count}:\n{unpack}{''.join(lines)}")
    source = ("def dispatch(obj, /, *args, **kwargs):\n"
              + (f"    if not kwargs:\n        count = len(args)\n{''.join(cases)}" if cases else "")
              + "    return si._bind_call(owner, name, overloads, behaviour, obj, args, kwargs)\n")
    dispatch: _Dispatch = _compiled(source, "<stand-in dispatch>", namespace)["dispatch"]
    dispatch.__name__, dispatch.__qualname__ = name, f"{owner}.{name}"  # it may be a class's attribute
    return dispatch


def _unchanged(value: Any) -> Any:
    return value


def _volume(iterable: Any) -> int:
    vol = 1
    for elem in iterable:
        vol *= elem
    return vol


def _is_int(v: Any) -> bool:
    # a plain int, the common case, answers at once
    return type(v) is int or isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float(v: Any) -> bool:
    return (type(v) is float or type(v) is int
            or isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)))


_PLAIN_INT = frozenset({int})


def _are_ints(values: list | tuple) -> bool:
    """Whether every item of ``values`` passes _is_int: at once when all are plain ints, the common case."""
    return _PLAIN_INT.issuperset(map(type, values)) or all(map(_is_int, values))


def _or_int_sequence(cls: type) -> Callable[[Any], bool]:
    """The test of a Dims or Permutation parameter of class ``cls``: an instance, or what pybind11 converts
    to one, a list or tuple of at most MAX_DIMS ints (one function: lowering passes Dims to most layers)."""
    return lambda v: (isinstance(v, cls)
                      or isinstance(v, (list, tuple)) and len(v) <= MAX_DIMS and _are_ints(v))


def _or_converted(implicit: Callable[[Any], bool]) -> Callable[[type], Callable[[Any], bool]]:
    """The test of a parameter of a class that pybind11 converts the values passing ``implicit`` to."""
    return lambda cls: lambda v: isinstance(v, cls) or implicit(v)


def _weights_type(dtype: np.dtype) -> str | None:
    """The DataType name of the arrays of ``dtype`` that Weights take (by its code, whatever the byte
    order), or None."""
    found = _WEIGHTS_DTYPES.get(dtype)
    return found if found is not None else _WEIGHTS_TYPES.get(dtype.str[1:])


def _is_weights_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and _weights_type(v.dtype) is not None and v.flags.c_contiguous


_SIMPLE_TYPES: dict[str, Callable[[Any], bool]] = {
    "typing.SupportsInt": _is_int,
    "int": _is_int,
    "typing.SupportsFloat": _is_float,
    "float": _is_float,
    "bool": lambda v: isinstance(v, (bool, np.bool_)),
    # isinstance(v, <type>) as the type's own instance check, calling no Python code
    "str": str.__instancecheck__,
    "None": lambda v: v is None,
    "numpy.ndarray": np.ndarray.__instancecheck__,
    "bytes": bytes.__instancecheck__,
    "typing_extensions.Buffer": lambda v: isinstance(v, (bytes, bytearray, memoryview, np.ndarray)),
    "slice": slice.__instancecheck__,
    "tuple": tuple.__instancecheck__,
    "list": list.__instancecheck__,
    "collections.abc.Callable": callable,
}
# The type whose values pass the test of each simple type at once (see _SIMPLE_TYPES).
_PLAIN_TYPES: dict[str, type] = {
    "int": int, "typing.SupportsInt": int, "float": float, "typing.SupportsFloat": float,
    "bool": bool, "str": str,
}
# The test of a parameter of each class that pybind11 converts other values to, given the class.
_IMPLICIT: dict[str, Callable[[type], Callable[[Any], bool]]] = {
    **{name: _or_int_sequence for name in _DIMS_CLASSES},
    "Permutation": _or_int_sequence,
    "Weights": _or_converted(_is_weights_array),
    "FallbackString": _or_converted(str.__instancecheck__),  # the type of PluginField names
}


def _self_param(obj: Any) -> str:
    return f"self: {type(obj).__name__}, " if obj is not None else ""


def _param_text(p: Any) -> str:
    return f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "")


def _arg_text(value: Any) -> str:
    if isinstance(value, _Object):
        return type(value).__name__ if not isinstance(value, _Enum) else repr(value)
    return repr(value)


# -- object kinds ------------------------------------------------------------------------------------------
class _Object:
    """Base of every stand-in class: its state lives in ``_state``; no other attributes can be set (every
    class has empty ``__slots__``: writing any other attribute than a property with a setter raises
    AttributeError, as it does on pybind11's objects; a Python subclass, a logger, has its own)."""

    __slots__ = ("_state",)
    _state: dict[str, Any]
    _standin: StandIn
    _name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._state = {}
        standin = self._standin
        dispatch = standin._constructors.get(type(self))
        if dispatch is None:
            dispatch = standin._constructors[type(self)] = standin._make_dispatch(self._name, self._name,
                                                                                   "__init__")
        dispatch(self, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<stand-in {type(self).__name__}>"


class _Enum(_Object):
    """An enum member: ``name`` and ``value``, compared with members of the same enum only."""

    __slots__ = ()
    __members__: ClassVar[dict[str, _Enum]]  # each enum class's own, made with the class

    @classmethod
    def _member(cls, name: str, value: int) -> _Enum:
        obj = object.__new__(cls)
        obj._state = {"name": name, "value": value}
        cls.__members__[name] = obj
        return obj

    def __int__(self) -> int:
        return self._state["value"]

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        same_enum = type(other) is type(self)
        return same_enum and other._state["value"] == self._state["value"]  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._state["value"]))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._state['name']}: {self._state['value']}>"

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self._state['name']}"


class _Sequence:
    """Dims and Permutation: tuple-like values compared with tuples and lists."""

    __slots__ = ()
    _state: dict

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, list)) or type(other) is type(self):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __iter__(self) -> Any:
        return iter(self._state["values"])

    def __repr__(self) -> str:
        values = tuple(self._state["values"])
        return repr(values)


_MIXINS: dict[str, type] = {"Dims": _Sequence, "Permutation": _Sequence}


# -- behaviours ----------------------------------------------------------------------------------------
Behaviour = Callable[[StandIn, Any, Signature, dict], Any]
_BEHAVIOURS: dict[tuple[str, str], Behaviour] = {}
_GETTERS: dict[tuple[str, str], Callable[[StandIn, Any], Any]] = {}
_DEFAULTS: dict[tuple[str, str], Callable[[StandIn, Any], Any]] = {}
# What writing a property does besides storing its value (e.g. an IAttention's mask is an input of its
# IAttentionInputLayer).
_SETTERS: dict[tuple[str, str], Callable[[StandIn, Any, Any], None]] = {}


def behaviour(owner: str, *names: str) -> Callable[[Behaviour], Behaviour]:
    def register(fn: Behaviour) -> Behaviour:
        for name in names:
            _BEHAVIOURS[(owner, name)] = fn
        return fn

    return register


def default(owner: str, name: str) -> Callable[[Callable[[StandIn, Any], Any]], Callable[[StandIn, Any], Any]]:
    def register(fn: Callable[[StandIn, Any], Any]) -> Callable[[StandIn, Any], Any]:
        _DEFAULTS[(owner, name)] = fn
        return fn

    return register


def getter(
    owner: str, *names: str
) -> Callable[[Callable[[StandIn, Any], Any]], Callable[[StandIn, Any], Any]]:
    def register(fn: Callable[[StandIn, Any], Any]) -> Callable[[StandIn, Any], Any]:
        for name in names:
            _GETTERS[(owner, name)] = fn
        return fn

    return register


def _ok(si: StandIn, obj: Any, sig: Signature, a: dict) -> None:
    return None


def _store(si: StandIn, obj: Any, sig: Signature, a: dict) -> None:
    obj._state.update({k: si.convert(p.type, a[k]) for p in sig.params for k in [p.name] if k in a})


for _owner in (
    "ILogger",
    "IProgressMonitor",
    "IOutputAllocator",
    "IStreamWriter",
    "IStreamReaderV2",
    "IErrorRecorder",
    "IGpuAllocator",
):
    _BEHAVIOURS[(_owner, "__init__")] = _ok
for _owner in ("Builder", "Runtime", "Logger"):
    _BEHAVIOURS[(_owner, "__init__")] = _store


@behaviour("Dims", "__init__")
@behaviour("Permutation", "__init__")
def _dims_init(si: StandIn, obj: Any, sig: Signature, a: dict) -> None:
    values = _dims_values(a["shape"] if "shape" in a else a.get("arg0", ()))
    if type(obj)._name == "Permutation":
        values += [0] * (MAX_DIMS - len(values))  # the bindings zero the rest of Permutation.order
    obj._state["values"] = values


def _dims_values(given: Iterable[Any]) -> list[int]:
    """The values of Dims made of ``given``, as the bindings' constructor takes them."""
    values = list(map(int, given))
    if len(values) > MAX_DIMS:
        raise ValueError(f"Input length {len(values)}. Max expected length is {MAX_DIMS}")
    return values


def sequence_behaviours(owners: tuple[str, ...], key: str, out_of_range: str, *, slices: bool) -> None:
    """``len(obj)`` and ``obj[i]`` over the list ``obj._state[key]`` for the classes ``owners``, raising
    IndexError(``out_of_range``) as the bindings do, and taking slices where ``slices`` says the bindings
    take them."""

    def length(si: StandIn, obj: Any, sig: Signature, a: dict) -> int:
        return -1 if obj._state.get("unset") else len(obj._state[key])  # unset Dims: nbDims -1

    def item(si: StandIn, obj: Any, sig: Signature, a: dict) -> Any:
        values = obj._state[key]
        index = a["arg0"]
        if slices and isinstance(index, slice):
            return tuple(values[index])
        if not -len(values) <= index < len(values):
            raise IndexError(out_of_range)
        return values[index]

    for owner in owners:
        behaviour(owner, "__len__")(length)
        behaviour(owner, "__getitem__")(item)


sequence_behaviours(("Dims", "Permutation"), "values", "Out of bounds", slices=True)


@behaviour("Dims", "__setitem__")
@behaviour("Permutation", "__setitem__")
def _dims_setitem(si: StandIn, obj: Any, sig: Signature, a: dict) -> None:
    values = obj._state["values"]
    index = a["arg0"]
    if not -len(values) <= index < len(values):
        raise IndexError("Out of bounds")
    values[index] = int(a["arg1"])


@behaviour("Weights", "__init__")
def _weights_init(si: StandIn, obj: Any, sig: Signature, a: dict) -> None:
    if "a" in a:
        array = a["a"]
        trt_type = _weights_type(array.dtype)
        if trt_type is None or not array.flags.c_contiguous:  # _is_weights_array (an ndarray, as bound)
            raise ValueError(
                "Could not convert NumPy array to Weights. Is it using a data type supported by TensorRT?"
            )
        # the bindings keep a pointer to the array's memory (TensorRT reads it when it builds the engine):
        # the weights see its values then, as a read-only view of its bytes (none for an empty array, which
        # memoryview cannot cast); array.data is memoryview(array), without the call through the type
        if array.size:
            data = array.data.cast("B")
            if not data.readonly:
                data = data.toreadonly()
        else:
            data = b""
        state = obj._state
        state["dtype"], state["count"], state["data"] = getattr(si.DataType, trt_type), array.size, data
        return
    dtype = a.get("type", si.DataType.FLOAT)
    count = int(a.get("count", 0))
    nbytes = (count * BITS[dtype._state["name"]] + 7) // 8  # the name as the stand-in holds it, unrecorded
    data = ctypes.string_at(a["ptr"], nbytes) if "ptr" in a and nbytes else b""
    obj._state.update(dtype=dtype, count=count, data=data)


def weights_numpy(si: StandIn, weights: Any) -> Any:
    """``Weights.numpy()``: an array for the NumPy-convertible types, else the Weights object itself
    (as the bindings do: ``utils::weights_to_numpy``)."""
    code = NUMPY_WEIGHTS.get(weights._state["dtype"].name)
    if code is None:
        return weights
    array = np.frombuffer(weights._state["data"], dtype=np.dtype(code)).copy()
    return array


_BEHAVIOURS[("Weights", "numpy")] = lambda si, obj, sig, a: weights_numpy(si, obj)
_BEHAVIOURS[("Weights", "__len__")] = lambda si, obj, sig, a: obj._state["count"]
_GETTERS[("Weights", "dtype")] = lambda si, obj: obj._state["dtype"]
_GETTERS[("Weights", "size")] = lambda si, obj: obj._state["count"]
_GETTERS[("Weights", "nbytes")] = lambda si, obj: len(obj._state["data"])


@getter("IConstantLayer", "weights")
def _constant_weights(si: StandIn, layer: Any) -> Any:
    return weights_numpy(si, layer._state["weights"])


# Builder, configs and profiles
@behaviour("Builder", "create_network")
def _create_network(si: StandIn, builder: Any, sig: Signature, a: dict) -> Any:
    flags = int(a.get("flags", 0))
    return si.new(
        "INetworkDefinition",
        builder=builder,
        flags=flags,
        inputs=[],
        outputs=[],
        layers=[],
        name="Unnamed Network 0",
    )


@behaviour("Builder", "create_builder_config")
def _create_config(si: StandIn, builder: Any, sig: Signature, a: dict) -> Any:
    # NvInfer.h, BuilderFlag::kTF32: "Enabled by default"; no other flag is set in a new config
    return si.new("IBuilderConfig", flag_set={"TF32"}, pools={}, profiles=[], timing_cache=None)


@behaviour("Builder", "create_optimization_profile")
def _create_profile(si: StandIn, builder: Any, sig: Signature, a: dict) -> Any:
    return si.new("IOptimizationProfile", shapes={}, shape_inputs={})


@behaviour("Builder", "build_serialized_network", "build_engine_with_config")
def _build(si: StandIn, builder: Any, sig: Signature, a: dict) -> Any:
    raise NotImplementedError(
        f"the TensorRT {si.__version__} stand-in cannot build engines: that needs the TensorRT library"
    )


@behaviour("IBuilderConfig", "set_flag")
def _set_flag(si: StandIn, config: Any, sig: Signature, a: dict) -> None:
    config._state["flag_set"].add(a["flag"].name)


@behaviour("IBuilderConfig", "clear_flag")
def _clear_flag(si: StandIn, config: Any, sig: Signature, a: dict) -> None:
    config._state["flag_set"].discard(a["flag"].name)


@behaviour("IBuilderConfig", "get_flag")
def _get_flag(si: StandIn, config: Any, sig: Signature, a: dict) -> bool:
    return a["flag"].name in config._state["flag_set"]


@behaviour("IBuilderConfig", "set_memory_pool_limit")
def _set_pool(si: StandIn, config: Any, sig: Signature, a: dict) -> None:
    config._state["pools"][a["pool"].name] = int(a["pool_size"])


@behaviour("IBuilderConfig", "get_memory_pool_limit")
def _get_pool(si: StandIn, config: Any, sig: Signature, a: dict) -> int:
    if a["pool"].name not in config._state["pools"]:
        raise StandInError(
            f"IBuilderConfig: the stand-in does not know the default limit of pool {a['pool'].name}"
        )
    return config._state["pools"][a["pool"].name]


@behaviour("IBuilderConfig", "add_optimization_profile")
def _add_profile(si: StandIn, config: Any, sig: Signature, a: dict) -> int:
    config._state["profiles"].append(a["profile"])
    return len(config._state["profiles"]) - 1


_GETTERS[("IBuilderConfig", "num_optimization_profiles")] = lambda si, obj: len(obj._state["profiles"])


@behaviour("IBuilderConfig", "create_timing_cache")
def _create_timing_cache(si: StandIn, config: Any, sig: Signature, a: dict) -> Any:
    return si.new("ITimingCache", data=bytes(a["serialized_timing_cache"]))


@behaviour("IBuilderConfig", "set_timing_cache")
def _set_timing_cache(si: StandIn, config: Any, sig: Signature, a: dict) -> bool:
    config._state["timing_cache"] = a["cache"]
    return True


@behaviour("IBuilderConfig", "get_timing_cache")
def _get_timing_cache(si: StandIn, config: Any, sig: Signature, a: dict) -> Any:
    return config._state["timing_cache"]


@behaviour("IOptimizationProfile", "set_shape")
def _set_shape(si: StandIn, profile: Any, sig: Signature, a: dict) -> None:
    profile._state["shapes"][a["input"]] = tuple(si.convert("Dims", a[k]) for k in ("min", "opt", "max"))


@behaviour("IOptimizationProfile", "get_shape")
def _get_shape(si: StandIn, profile: Any, sig: Signature, a: dict) -> list:
    return list(profile._state["shapes"].get(a["input"], ()))


@behaviour("IOptimizationProfile", "set_shape_input")
def _set_shape_input(si: StandIn, profile: Any, sig: Signature, a: dict) -> None:
    profile._state["shape_inputs"][a["input"]] = tuple(list(a[k]) for k in ("min", "opt", "max"))


# Networks
@behaviour("INetworkDefinition", "add_input")
def _add_input(si: StandIn, network: Any, sig: Signature, a: dict) -> Any:
    if any(t._state["name"] == a["name"] for t in network._state["inputs"]):
        raise StandInError(f"INetworkDefinition.add_input: an input named {a['name']!r} already exists")
    tensor = si.new(
        "ITensor",
        name=a["name"],
        dtype=a["dtype"],
        shape=si.convert("Dims", a["shape"]),
        producer=None,
        network=network,
    )
    network._state["inputs"].append(tensor)
    return tensor


@behaviour("INetworkDefinition", "mark_output")
def _mark_output(si: StandIn, network: Any, sig: Signature, a: dict) -> None:
    _check_owned(network, a["tensor"], "mark_output")
    network._state["outputs"].append(a["tensor"])


@behaviour("INetworkDefinition", "mark_output_for_shapes")
def _mark_output_for_shapes(si: StandIn, network: Any, sig: Signature, a: dict) -> bool:
    # NvInfer.h: the network's outputs include those marked by markOutputForShapes
    _check_owned(network, a["tensor"], "mark_output_for_shapes")
    if any(t is a["tensor"] for t in network._state["outputs"]):
        return False
    network._state["outputs"].append(a["tensor"])
    a["tensor"]._state["shape_output"] = True
    return True


@behaviour("INetworkDefinition", "set_weights_name")
def _set_weights_name(si: StandIn, network: Any, sig: Signature, a: dict) -> bool:
    # NvInfer.h, setWeightsName: "The name must be set after the Weights are used in the network"; the
    # stand-in knows the weights of its constant layers
    weights = a["weights"]
    if not any(layer._state.get("weights") is weights for layer in network._state["layers"]):
        raise StandInError("INetworkDefinition.set_weights_name: the weights are used by no constant layer "
                           "of the network (the stand-in names only those)")
    names = network._state.setdefault("weights_names", {})
    if not a["name"] or a["name"] in names:
        return False
    names[a["name"]] = weights
    return True


@behaviour("INetworkDefinition", "mark_weights_refittable")
def _mark_weights_refittable(si: StandIn, network: Any, sig: Signature, a: dict) -> bool:
    if a["name"] not in network._state.get("weights_names", {}):
        return False
    network._state.setdefault("refittable", set()).add(a["name"])
    return True


@behaviour("INetworkDefinition", "are_weights_marked_refittable")
def _are_weights_marked_refittable(si: StandIn, network: Any, sig: Signature, a: dict) -> bool:
    return a["name"] in network._state.get("refittable", set())


def _item(key: str) -> Behaviour:
    """``get_input``/``get_output`` of networks and layers: the item at ``index``, None out of range (as
    TensorRT returns nullptr)."""
    def item(si: StandIn, obj: Any, sig: Signature, a: dict) -> Any:
        items, index = obj._state[key], a["index"]
        return items[index] if 0 <= index < len(items) else None

    return item


for _owner in ("INetworkDefinition", "ILayer"):
    _BEHAVIOURS[(_owner, "get_input")] = _item("inputs")
    _BEHAVIOURS[(_owner, "get_output")] = _item("outputs")


@behaviour("INetworkDefinition", "get_layer", "__getitem__")
def _net_get_layer(si: StandIn, network: Any, sig: Signature, a: dict) -> Any:
    layer = _index(network._state["layers"], a["index"] if "index" in a else a["arg0"])
    if layer is None:
        return None
    # TensorRT returns layers typed as ILayer: the caller casts them by their LayerType
    view = si.new("ILayer")
    view._state = layer._state
    return view


@behaviour("INetworkDefinition", "__len__")
def _net_len(si: StandIn, network: Any, sig: Signature, a: dict) -> int:
    return len(network._state["layers"])


@behaviour("INetworkDefinition", "get_flag")
def _net_get_flag(si: StandIn, network: Any, sig: Signature, a: dict) -> bool:
    return bool(network._state["flags"] >> int(a["flag"]) & 1)


_GETTERS[("INetworkDefinition", "num_layers")] = lambda si, obj: len(obj._state["layers"])
_GETTERS[("INetworkDefinition", "num_inputs")] = lambda si, obj: len(obj._state["inputs"])
_GETTERS[("INetworkDefinition", "num_outputs")] = lambda si, obj: len(obj._state["outputs"])
_GETTERS[("INetworkDefinition", "flags")] = lambda si, obj: obj._state["flags"]


def _index(items: list, index: int) -> Any:
    return items[index] if 0 <= index < len(items) else None


def _check_owned(network: Any, tensor: Any, what: str) -> None:
    if tensor._state["network"] is not network:
        raise StandInError(
            f"INetworkDefinition.{what}: the tensor {default_name(tensor)!r} belongs to another network"
        )


def _add_layer(si: StandIn, owner: Any, sig: Signature, a: dict) -> Any:
    """A generic ``add_*``: the returned layer records its tensor arguments as inputs and its other
    arguments as the properties of the same name (see _compile_add)."""
    return _layer_adder(si, sig)(si, owner, sig, a)


def _layer_adder(si: StandIn, sig: Signature) -> _Add:
    """The function :func:`_compile_add` compiled for the overload ``sig``, made once per stand-in."""
    found = si._layer_plans.get(id(sig))
    if found is None:
        found = si._layer_plans[id(sig)] = (sig, _compile_add(si, sig))
    return found[1]


# What one add_* overload does with its arguments by name: ``add(si, owner, sig, a)``, a behaviour (see
# _compile_add).
_Add = Callable[["StandIn", Any, Signature, dict], Any]


def _compile_add(si: StandIn, sig: Signature) -> _Add:
    """What :func:`_add_layer` does with the arguments ``a`` of the ``add_*`` overload ``sig``, worked out
    once and compiled into one function ``add(si, owner, sig, a)``, a behaviour of that overload alone:
    the layer's input tensors, in order, each a tensor or a list of them, checked to be of the layer's
    network; the parameters that set a layer property, converted to its type; the arguments kept as given;
    and the properties (``loop``, ``conditional``) that take the object adding the layer. A method
    returning no layer makes the object alone."""
    cls_name = sig.returns
    namespace: dict[str, Any] = {"cls_name": cls_name, "check_owned": _check_owned}
    if not si.manifest.is_subclass(cls_name, "ILayer"):
        source = ("def add(si, owner, sig, a):\n"
                  "    network = owner._state.get('network', owner)\n"
                  "    return si.new(cls_name, network=network, "
                  "name=f\"Unnamed {cls_name} {len(network._state['layers'])}\")\n")
    else:
        lines = ["def add(si, owner, sig, a):",
                 "    network = owner._state.get('network', owner)",
                 "    inputs = []",
                 "    state = {'inputs': inputs, 'network': network, 'class': cls_name}"]
        tensors, properties, arguments = [], [], []
        for i, p in enumerate(sig.params):
            prop = ARGUMENT_PROPERTIES_BY_CLASS.get((cls_name, p.name),
                                                    ARGUMENT_PROPERTIES.get(p.name, p.name))
            if p.type == "ITensor":
                tensors += [f"    v{i} = a.get({p.name!r})",
                            f"    if v{i} is not None and v{i}._state['network'] is not network:",
                            f"        check_owned(network, v{i}, cls_name)",
                            f"    inputs.append(v{i})"]
            elif p.type.endswith("[ITensor]"):
                tensors += [f"    v{i} = a[{p.name!r}]",
                            f"    for t in v{i}:",
                            "        check_owned(network, t, cls_name)",
                            f"    inputs.extend(v{i})"]
            elif si.manifest.property(cls_name, prop) is not None:
                convert = si._converter(p.type)
                value = f"a[{p.name!r}]"
                if convert is not _unchanged:  # most types keep the value as given: no call then
                    namespace[f"c{i}"] = convert
                    value = f"c{i}({value})"
                properties += [f"    if {p.name!r} in a:", f"        state[{prop!r}] = {value}"]
            else:
                arguments += [f"    if {p.name!r} in a:",
                              f"        state.setdefault('arguments', {{}})[{p.name!r}] = a[{p.name!r}]"]
        lines += tensors + properties + arguments
        lines += [f"    state[{prop!r}] = owner" for prop in ("loop", "conditional")
                  if si.manifest.property(cls_name, prop) is not None]
        source = "\n".join(lines + _layer_source(cls_name) + [""])
        namespace.update(_layer_names(si, cls_name))
    add: _Add = _compiled(source, "<stand-in add>", namespace)["add"]
    return add


def _new_layer(si: StandIn, network: Any, cls_name: str, state: dict[str, Any]) -> Any:
    """A layer of class ``cls_name`` with ``state`` (its inputs, properties), appended to ``network``
    with its output tensors (see _layer_source)."""
    make = si._layer_makers.get(cls_name)
    if make is None:
        source = "\n".join(["def make(network, state):", *_layer_source(cls_name), ""])
        namespace = _compiled(source, "<stand-in layer>", _layer_names(si, cls_name))
        make = si._layer_makers[cls_name] = namespace["make"]
    return make(network, state)


def _layer_source(cls_name: str) -> list[str]:
    """The lines of a function body that make a layer of class ``cls_name`` (``layer_cls``, its outputs'
    class ``tensor_cls``, ``new`` = ``object.__new__``) with the dict ``state`` (its inputs, properties),
    append it to ``network`` with its output tensors and return it: written out for its output count."""
    lines = ["    layer = new(layer_cls)",
             "    layer._state = state  # made for this layer: no copy",
             "    layers = network._state['layers']",
             # its default name's (see default_name): most layers are named at once
             "    state['number'] = len(layers)"]
    count = OUTPUT_COUNTS.get(cls_name, 1)
    for i in range(count):
        lines += [f"    t{i} = new(tensor_cls)",
                  f"    t{i}._state = {{'output': {i}, 'producer': layer, 'network': network}}"]
    lines += [f"    state['outputs'] = [{', '.join(f't{i}' for i in range(count))}]",
              "    layers.append(layer)",
              "    return layer"]
    return lines


def _layer_names(si: StandIn, cls_name: str) -> dict[str, Any]:
    """The names :func:`_layer_source`'s lines use."""
    return {"layer_cls": si._classes[cls_name], "tensor_cls": si._classes["ITensor"], "new": object.__new__}


def _compiled(source: str, filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """``namespace`` with the functions ``source`` defines (compiled once per source: stand-ins made later
    reuse the code)."""
    code = _COMPILED.get(source)
    if code is None:
        code = _COMPILED[source] = compile(source, filename, "exec")
    exec(code, namespace)  # noqa: S102  (the source is made here from the manifest's names)
    return namespace


def default_name(obj: Any) -> str:
    """The name of a layer or tensor: the one it was given, else the one TensorRT gives a layer when it is
    added, ``(Unnamed Layer* <number>) [<LayerType>]``, and its outputs, ``<that>_output_<index>``."""
    state = obj._state
    if "name" in state:
        return state["name"]
    if "output" in state:
        return f"{default_name(state['producer'])}_output_{state['output']}"
    cls_name = state["class"]
    return f"(Unnamed Layer* {state['number']}) [{LAYER_TYPES.get(cls_name, cls_name)}]"


_DEFAULTS[("ILayer", "name")] = _DEFAULTS[("ITensor", "name")] = lambda si, obj: default_name(obj)
_BEHAVIOURS[("IIfConditional", "set_condition")] = _add_layer


@behaviour("INetworkDefinition", "add_normalization", "add_normalization_v2")
def _add_normalization(si: StandIn, network: Any, sig: Signature, a: dict) -> Any:
    layer = _add_layer(si, network, sig, a)
    v2 = si.manifest.method("INetworkDefinition", "add_normalization_v2")
    layer._state["is_v2"] = v2 is not None and sig is v2.overloads[0]
    return layer


# IAttention: not a layer, but the helper that owns two (NvInfer.h 11.1 L6812-L6896): an
# IAttentionInputLayer whose inputs are query, key, value, mask, normalizationQuantizeScale, queryLengths
# and keyValueLengths (in that order, L6859-L6867), and an IAttentionOutputLayer computing the result. How
# a real network wires the two to each other is not documented: here the output layer reads the input
# layer's output. Both are named after the attention.
_ATTENTION_OPTIONAL_INPUTS = {
    "mask": 3, "normalization_quantize_scale": 4, "query_lengths": 5, "key_value_lengths": 6,
}


@behaviour("INetworkDefinition", "add_attention", "add_attention_v2")
def _add_attention(si: StandIn, network: Any, sig: Signature, a: dict) -> Any:
    inputs = [a["query"], a["key"], a["value"]]
    for tensor in inputs:
        _check_owned(network, tensor, sig.returns)
    attention = si.new("IAttention", network=network, norm_op=a["norm_op"], decomposable=False)
    entry = _new_layer(si, network, "IAttentionInputLayer", {"inputs": inputs, "network": network,
                                                             "class": "IAttentionInputLayer"})
    exit_ = _new_layer(si, network, "IAttentionOutputLayer", {"inputs": [entry.get_output(0)],
                                                              "network": network,
                                                              "class": "IAttentionOutputLayer"})
    for layer in (entry, exit_):
        layer._state["attention"] = attention
    attention._state.update(input_layer=entry, output_layer=exit_, name=default_name(exit_))
    if "causal_kind" in a:
        attention._state["causal_kind"] = a["causal_kind"]
        _attention_causal_kind(si, attention, a["causal_kind"])
    else:
        attention._state["causal"] = a["causal"]
        _attention_causal(si, attention, a["causal"])
    return attention


def _attention_causal(si: StandIn, attention: Any, causal: bool) -> None:
    if si.manifest.property("IAttention", "causal_kind") is not None:  # setCausal: kUPPER_LEFT or kNONE
        attention._state["causal_kind"] = si.CausalMaskKind.UPPER_LEFT if causal else si.CausalMaskKind.NONE


def _attention_causal_kind(si: StandIn, attention: Any, kind: Any) -> None:
    attention._state["causal"] = kind != si.CausalMaskKind.NONE


def _attention_name(si: StandIn, attention: Any, name: str) -> None:
    for layer in ("input_layer", "output_layer"):
        attention._state[layer]._state["name"] = name


def _attention_input(index: int) -> Callable[[StandIn, Any, Any], None]:
    def set_input(si: StandIn, attention: Any, tensor: Any) -> None:
        if tensor is not None:
            _check_owned(attention._state["network"], tensor, "IAttention")
        inputs = attention._state["input_layer"]._state["inputs"]
        inputs.extend([None] * (index + 1 - len(inputs)))
        inputs[index] = tensor

    return set_input


_SETTERS[("IAttention", "causal")] = _attention_causal
_SETTERS[("IAttention", "causal_kind")] = _attention_causal_kind
_SETTERS[("IAttention", "name")] = _attention_name
for _prop, _index_of in _ATTENTION_OPTIONAL_INPUTS.items():
    _SETTERS[("IAttention", _prop)] = _attention_input(_index_of)
    _DEFAULTS[("IAttention", _prop)] = lambda si, obj: None
_DEFAULTS[("IAttention", "query_form")] = lambda si, obj: si.AttentionIOForm.PADDED_BHND
_DEFAULTS[("IAttention", "key_value_form")] = lambda si, obj: si.AttentionIOForm.PADDED_BHND
_DEFAULTS[("IAttention", "num_ranks")] = lambda si, obj: 1
_DEFAULTS[("IAttention", "normalization_quantize_to_type")] = lambda si, obj: si.DataType.FLOAT
# NvInfer.h 11.1 IKVCacheUpdateLayer::setUpdateForm: "Default is kPADDED_BHND"
_DEFAULTS[("IKVCacheUpdateLayer", "update_form")] = lambda si, obj: si.AttentionIOForm.PADDED_BHND
_DEFAULTS[("IKVCacheUpdateLayer", "update_lengths")] = lambda si, obj: None


def _kv_cache_update_lengths(si: StandIn, layer: Any, tensor: Any) -> None:
    """NvInfer.h 11.1 IKVCacheUpdateLayer: "Input 3 is the optional updateLengths tensor"."""
    if tensor is not None:
        _check_owned(layer._state["network"], tensor, "IKVCacheUpdateLayer")
    inputs = layer._state["inputs"]
    inputs.extend([None] * (4 - len(inputs)))
    inputs[3] = tensor


_SETTERS[("IKVCacheUpdateLayer", "update_lengths")] = _kv_cache_update_lengths
_GETTERS[("IAttention", "num_inputs")] = lambda si, obj: 3
_GETTERS[("IAttention", "num_outputs")] = lambda si, obj: 1
_GETTERS[("IAttentionBoundaryLayer", "attention")] = lambda si, obj: obj._state["attention"]


@behaviour("IAttention", "get_input")
def _attention_get_input(si: StandIn, attention: Any, sig: Signature, a: dict) -> Any:
    return _index(attention._state["input_layer"]._state["inputs"][:3], a["index"])


@behaviour("IAttention", "get_output")
def _attention_get_output(si: StandIn, attention: Any, sig: Signature, a: dict) -> Any:
    return _index(attention._state["output_layer"]._state["outputs"], a["index"])


@behaviour("IAttention", "set_input")
def _attention_set_input(si: StandIn, attention: Any, sig: Signature, a: dict) -> bool:
    if not 0 <= a["index"] < 3:
        return False
    _attention_input(a["index"])(si, attention, a["tensor"])
    return True


# Layers
@behaviour("ILayer", "set_input")
def _layer_set_input(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    index = a["index"]
    inputs = layer._state["inputs"]
    if index < 0 or index > len(inputs) + 8:
        raise StandInError(
            f"ILayer.set_input: index {index} is out of range for a layer with {len(inputs)} inputs"
        )
    tensor = a["tensor"]
    if tensor._state["network"] is not layer._state["network"]:
        _check_owned(layer._state["network"], tensor, "set_input")
    if index >= len(inputs):
        inputs.extend([None] * (index + 1 - len(inputs)))
    inputs[index] = tensor


def _set_inputs(layer: Any, first: int, tensors: list[Any], method: str) -> None:
    inputs = layer._state["inputs"]
    for tensor in tensors:
        _check_owned(layer._state["network"], tensor, method)
    inputs.extend([None] * (first + len(tensors) - len(inputs)))
    inputs[first:first + len(tensors)] = tensors


# IMoELayer: the weights, the biases and the quantization scale are inputs 3-5, 6-8 and 9 (NvInfer.h numbers
# only inputs 0-2; raise reads the others through get_input, the only way the Python API gives them back)
@behaviour("IMoELayer", "set_gated_weights")
def _moe_weights(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    _set_inputs(layer, 3, [a["fc_gate_weights"], a["fc_up_weights"], a["fc_down_weights"]], "set_gated_weights")
    layer._state["activation_type"] = a["activation_type"]


@behaviour("IMoELayer", "set_gated_biases")
def _moe_biases(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    _set_inputs(layer, 6, [a["fc_gate_biases"], a["fc_up_biases"], a["fc_down_biases"]], "set_gated_biases")


@behaviour("IMoELayer", "set_swiglu_params")
def _moe_swiglu(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    layer._state.update(swiglu_param_limit=a["limit"], swiglu_param_alpha=a["alpha"],
                        swiglu_param_beta=a["beta"])


@behaviour("IMoELayer", "set_quantization_static")
def _moe_static(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    _set_inputs(layer, 9, [a["fc_down_activation_scale"]], "set_quantization_static")
    layer._state.update(quantization_to_type=a["data_type"], quantization_block_shape=si.Dims([]))


@behaviour("IMoELayer", "set_quantization_dynamic_dbl_q")
def _moe_dynamic(si: StandIn, layer: Any, sig: Signature, a: dict) -> None:
    _set_inputs(layer, 9, [a["fc_down_activation_dbl_q_scale"]], "set_quantization_dynamic_dbl_q")
    layer._state.update(quantization_to_type=a["data_type"],
                        quantization_block_shape=si.convert("Dims", a["block_shape"]),
                        dyn_q_output_scale_type=a["dyn_q_output_scale_type"])


# NvInfer.h IMoELayer: "Default: DataType::kFLOAT which means the MoE layer is not quantized"; SwiGLU
# parameters "Default: +inf, 1.0, 0.0"
_DEFAULTS[("IMoELayer", "quantization_to_type")] = lambda si, obj: si.DataType.FLOAT
_DEFAULTS[("IMoELayer", "quantization_block_shape")] = lambda si, obj: si.Dims([])
_DEFAULTS[("IMoELayer", "swiglu_param_limit")] = lambda si, obj: float("inf")
_DEFAULTS[("IMoELayer", "swiglu_param_alpha")] = lambda si, obj: 1.0
_DEFAULTS[("IMoELayer", "swiglu_param_beta")] = lambda si, obj: 0.0


_GETTERS[("ILayer", "num_inputs")] = lambda si, obj: len(obj._state["inputs"])
_GETTERS[("ILayer", "num_outputs")] = lambda si, obj: len(obj._state["outputs"])


@getter("ILayer", "type")
def _layer_type(si: StandIn, layer: Any) -> Any:
    return getattr(si.LayerType, LAYER_TYPES[layer._state["class"]])


_DEFAULTS[("*", "metadata")] = lambda si, obj: ""
_DEFAULTS[("IShuffleLayer", "first_transpose")] = lambda si, obj: si.Permutation(list(range(MAX_DIMS)))
_DEFAULTS[("IShuffleLayer", "second_transpose")] = lambda si, obj: si.Permutation(list(range(MAX_DIMS)))
_DEFAULTS[("IShuffleLayer", "reshape_dims")] = lambda si, obj: si.unset_dims()
_DEFAULTS[("IShuffleLayer", "zero_is_placeholder")] = lambda si, obj: True
_DEFAULTS[("ISliceLayer", "axes")] = lambda si, obj: si.unset_dims()
_DEFAULTS[("IResizeLayer", "scales")] = lambda si, obj: []  # no scales: the output dims are set instead
for _cls in ("IConvolutionLayer", "IDeconvolutionLayer"):
    _DEFAULTS[(_cls, "bias")] = lambda si, obj: si.Weights(si.DataType.FLOAT)
for _cls in ("IQuantizeLayer", "IDequantizeLayer", "IDynamicQuantizeLayer"):
    _DEFAULTS[(_cls, "block_shape")] = lambda si, obj: si.Dims([])
# NvInfer.h: addGather sets mode kDEFAULT and nbElementWiseDims 0; addGatherV2 sets axis 0
_DEFAULTS[("IGatherLayer", "mode")] = lambda si, obj: si.GatherMode.DEFAULT
_DEFAULTS[("IGatherLayer", "num_elementwise_dims")] = lambda si, obj: 0
_DEFAULTS[("IGatherLayer", "axis")] = lambda si, obj: 0


@default("IScaleLayer", "channel_axis")
def _scale_channel_axis(si: StandIn, layer: Any) -> int:
    """The channel axis of a layer made by the legacy ``add_scale``: dim ``rank - 3`` (NvInfer.h addScale:
    ELEMENTWISE weights cover the last three dims), known here for network inputs only."""
    x = layer._state["inputs"][0]
    if x._state["producer"] is not None:
        raise StandInError(
            "IScaleLayer.channel_axis of a layer made by add_scale depends on its input's rank, which the "
            "stand-in knows for network inputs only"
        )
    return len(x._state["shape"]) - 3


def _scale_weights(prop: str) -> Callable[[StandIn, Any], Any]:
    """``IScaleLayer.shift``/``scale``/``power``: the weights as NumPy (``utils::weights_to_numpy``);
    empty when none were given (TensorRT gives those the input's type, which the stand-in does not know,
    so they come back as an empty float32 array)."""

    def get(si: StandIn, layer: Any) -> Any:
        weights = layer._state.get(prop)
        return weights_numpy(si, weights if weights is not None else si.Weights(si.DataType.FLOAT))

    return get


for _prop in ("shift", "scale", "power"):
    _GETTERS[("IScaleLayer", _prop)] = _scale_weights(_prop)


# Tensors
@behaviour("ITensor", "set_dimension_name")
def _set_dim_name(si: StandIn, tensor: Any, sig: Signature, a: dict) -> None:
    tensor._state.setdefault("dim_names", {})[a["index"]] = a["name"]


@behaviour("ITensor", "get_dimension_name")
def _get_dim_name(si: StandIn, tensor: Any, sig: Signature, a: dict) -> str | None:
    return tensor._state.get("dim_names", {}).get(a["index"])


@getter("ITensor", "is_network_input")
def _is_input(si: StandIn, tensor: Any) -> bool:
    return tensor._state["producer"] is None


@getter("ITensor", "is_network_output")
def _is_output(si: StandIn, tensor: Any) -> bool:
    return any(t is tensor for t in tensor._state["network"]._state["outputs"])


@getter("ITensor", "is_shape_tensor")
def _is_shape_tensor(si: StandIn, tensor: Any) -> bool:
    # only outputs marked for shapes: the stand-in does not infer which other tensors are shape tensors
    return bool(tensor._state.get("shape_output"))


def _tensor_type(si: StandIn, tensor: Any) -> Any:
    raise StandInError("the stand-in computes no shapes or types of layer outputs: read them from the IR")


def _input_type(name: str) -> Callable[[StandIn, Any], Any]:
    def get(si: StandIn, tensor: Any) -> Any:
        if tensor._state["producer"] is not None:
            _tensor_type(si, tensor)
        return tensor._state[name]

    return get


_GETTERS[("ITensor", "shape")] = _input_type("shape")
_GETTERS[("ITensor", "dtype")] = _input_type("dtype")


def module(version: str) -> StandIn:
    """A fresh stand-in for the shipped manifest of TensorRT ``version`` (e.g. ``"11.4"``, ``"10"``).

    >>> trt = module("10")
    >>> trt.__version__, trt.ActivationType.GELU_ERF
    ('10.16.1.11', <ActivationType.GELU_ERF: 12>)
    """
    return StandIn(manifests.load(version))
