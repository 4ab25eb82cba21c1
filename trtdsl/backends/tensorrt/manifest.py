"""The API manifests of TensorRT's Python bindings: classes, method signatures, properties, enums.

A manifest is made from a real bindings wheel by ``tools/trt_api_manifest.py`` and shipped in
``manifests/``. It is what the strict stand-in (:mod:`.standin`) is generated from, and what the tests
check every call of the lowering against.

>>> m = load("11.4")
>>> m.version, m.method("INetworkDefinition", "add_activation").overloads[0].text("add_activation")
('11.4.0.106', 'add_activation(input: ITensor, type: ActivationType) -> IActivationLayer')
>>> m.property("IActivationLayer", "name").writable      # inherited from ILayer
True
>>> sorted(m.enum("TopKOperation"))
['MAX', 'MIN']
"""

from __future__ import annotations

import functools
import json
import os

import attrs

from trtdsl.errors import BackendError

MANIFEST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifests")


@attrs.frozen
class Param:
    """One parameter: its name, its type as pybind11 prints it, and its default (text) if it has one."""

    name: str
    type: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None and not self.name.startswith("*")


@attrs.frozen
class Signature:
    """One overload: parameters (without ``self``) and the return type."""

    params: tuple[Param, ...]
    returns: str

    def text(self, name: str) -> str:
        """The signature as pybind11 prints it, e.g. ``add_identity(input: ITensor) -> IIdentityLayer``."""
        items = [
            f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "") for p in self.params
        ]
        return f"{name}({', '.join(items)}) -> {self.returns}"


@attrs.frozen
class Method:
    name: str
    overloads: tuple[Signature, ...]
    static: bool = False


@attrs.frozen
class Property:
    name: str
    type: str
    writable: bool
    set_type: str | None = None
    static: bool = False


@attrs.frozen
class ClassSpec:
    """One class of the bindings; ``enum`` maps member names to values for enums (else None)."""

    name: str
    bases: tuple[str, ...]
    methods: dict[str, Method]
    properties: dict[str, Property]
    enum: dict[str, int] | None
    constants: dict[str, str]


class Manifest:
    """The API of one TensorRT version, with lookups that follow class inheritance."""

    def __init__(self, data: dict, source: str = "") -> None:
        if data.get("format") != 1:
            raise BackendError(
                f"TensorRT API manifest {source or '?'}: unknown format {data.get('format')!r}; expected 1"
            )
        self.version: str = data["version"]
        self.package: str = data["package"]
        self.source = source
        self.classes: dict[str, ClassSpec] = {
            name: _class(name, spec) for name, spec in data["classes"].items()
        }
        self.functions: dict[str, Method] = {
            name: Method(name, tuple(_signature(s) for s in sigs)) for name, sigs in data["functions"].items()
        }
        self.constants: dict[str, str] = dict(data.get("constants", {}))
        # lookups worked out once (lowering asks several per layer; the classes never change)
        self._mros: dict[str, tuple[ClassSpec, ...]] = {}
        self._methods: dict[tuple[str, str], Method | None] = {}
        self._properties: dict[tuple[str, str], Property | None] = {}

    def __repr__(self) -> str:
        return f"Manifest(TensorRT {self.version})"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def mro(self, cls: str) -> tuple[ClassSpec, ...]:
        """``cls`` and its bases, nearest first."""
        found = self._mros.get(cls)
        if found is None:
            specs = []
            todo = [cls]
            seen: set[str] = set()
            while todo:
                name = todo.pop(0)
                if name in seen or name not in self.classes:
                    continue
                seen.add(name)
                specs.append(self.classes[name])
                todo.extend(specs[-1].bases)
            found = self._mros[cls] = tuple(specs)
        return found

    def is_subclass(self, cls: str, base: str) -> bool:
        return any(spec.name == base for spec in self.mro(cls))

    def method(self, cls: str, name: str) -> Method | None:
        key = (cls, name)
        if key not in self._methods:
            self._methods[key] = next((spec.methods[name] for spec in self.mro(cls) if name in spec.methods),
                                      None)
        return self._methods[key]

    def property(self, cls: str, name: str) -> Property | None:
        key = (cls, name)
        if key not in self._properties:
            self._properties[key] = next((spec.properties[name] for spec in self.mro(cls)
                                          if name in spec.properties), None)
        return self._properties[key]

    def enum(self, cls: str) -> dict[str, int]:
        spec = self.classes.get(cls)
        if spec is None or spec.enum is None:
            raise BackendError(f"TensorRT {self.version} has no enum {cls!r}")
        return spec.enum


def _class(name: str, spec: dict) -> ClassSpec:
    methods = {
        m: Method(m, tuple(_signature(s) for s in entry["overloads"]), bool(entry.get("static")))
        for m, entry in spec["methods"].items()
    }
    props = {
        p: Property(
            p, entry["type"], bool(entry["writable"]), entry.get("set_type"), bool(entry.get("static"))
        )
        for p, entry in spec["properties"].items()
    }
    return ClassSpec(
        name, tuple(spec["bases"]), methods, props, spec.get("enum"), dict(spec.get("constants", {}))
    )


def _signature(entry: dict) -> Signature:
    return Signature(
        tuple(Param(p["name"], p["type"], p.get("default")) for p in entry["params"]), entry["returns"]
    )


def available() -> list[str]:
    """The versions (``major.minor.patch``) of the manifests shipped with trtdsl, oldest first.

    >>> available()
    ['10.16.1', '11.4.0']
    """
    names = [
        f[len("tensorrt-") : -len(".json")] for f in os.listdir(MANIFEST_DIR) if f.startswith("tensorrt-")
    ]
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


@functools.lru_cache(maxsize=None)
def load(version: str) -> Manifest:
    """The shipped manifest whose version starts with ``version`` (``"11"``, ``"10.16"``, ``"11.4.0"``) or
    that ``version`` starts with (``"10.16.1.11"``, a stand-in's ``__version__``); the newest one when
    several match.

    >>> load("10").version, load("11.4.0").package
    ('10.16.1.11', 'tensorrt-cu13-bindings')
    """
    # a prefix of a shipped version, or a fuller one (a stand-in's __version__ holds the build number too)
    matches = [v for v in available()
               if f"{v}.".startswith(f"{version}.") or f"{version}.".startswith(f"{v}.")]
    if not matches:
        raise BackendError(
            f"no TensorRT API manifest for version {version!r}; shipped: {', '.join(available())} "
            "(make one with tools/trt_api_manifest.py)"
        )
    path = os.path.join(MANIFEST_DIR, f"tensorrt-{matches[-1]}.json")
    with open(path) as f:
        return Manifest(json.load(f), path)
