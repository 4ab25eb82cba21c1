"""Backend tables keyed by op class, and the discovery that fills them.

A backend (the ONNX export, the TensorRT lowering) is one :class:`OpTable`: for each op class, the
backend's entry (how it writes the op) or a :class:`NotExpressible` reason. The table writes, once for
every backend, the error for an op with no entry, the error for an op the backend cannot express, and
the check that no op is registered twice.

Entries register when their module is imported; a backend package imports all of its modules with
:func:`import_package`, so no list names them. :func:`all_op_types` does the same for the packages
that define ops, so a completeness test sees every op class, including one whose module nothing
imports yet:

>>> import trtdsl as td
>>> from trtdsl.layers.softmax import SoftMax
>>> from trtdsl.layers.topk import TopK
>>> table: OpTable[str] = OpTable("demo", "the demo table", "demo")
>>> table.register(SoftMax, "the entry of SoftMax")
'the entry of SoftMax'
>>> table.not_expressible(TopK, "demo cannot sort")
>>> missing = {cls.kind for cls in table.missing(all_op_types())}
>>> "Activation" in missing, "SoftMax" in missing, "TopK" in missing
(True, False, False)
>>> net = td.Network("n")
>>> x = net.input("x", td.float32, (4,))
>>> table.lookup(td.softmax(x).producer)
'the entry of SoftMax'
>>> try:
...     table.lookup(td.topk(x, 2)[0].producer)
... except td.BackendError as e:
...     print(e.message)
demo: TopK[MAX] (layer topk_0) has no demo form: demo cannot sort
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING, Generic, Iterable, TypeVar, Union

import attrs

from trtdsl.errors import BackendError
from trtdsl.ir.op import OP_TYPES, Op

if TYPE_CHECKING:
    from trtdsl.ir.node import Node

OpT = TypeVar("OpT", bound=Op)
EntryT = TypeVar("EntryT")

OP_PACKAGES = ("trtdsl.ir", "trtdsl.layers", "trtdsl.loops", "trtdsl.conditionals", "trtdsl.plugins")
"""The packages whose modules define op classes (a test checks that no other module does)."""


@attrs.frozen
class NotExpressible:
    """An op class with no faithful form in a backend, and why (the backend's error shows the reason)."""

    reason: str


class OpTable(dict[type[Op], Union[EntryT, NotExpressible]], Generic[EntryT]):
    """One backend's table: for each op class, its entry (an ``EntryT``) or a :class:`NotExpressible`.

    ``backend`` starts the errors (``"onnx export"``), ``name`` says where the entries live (``"the ONNX
    export table (trtdsl.backends.onnx)"``) and ``form`` what an op becomes (``"ONNX"``).
    """

    def __init__(self, backend: str, name: str, form: str) -> None:
        super().__init__()
        self.backend = backend
        self.name = name
        self.form = form

    def register(self, op_cls: type[Op], entry: EntryT) -> EntryT:
        """Add ``entry`` as the one entry of ``op_cls``; returns it."""
        self._add(op_cls, entry)
        return entry

    def not_expressible(self, op_cls: type[Op], reason: str) -> None:
        """Record that ``op_cls`` has no form in this backend; using it raises a BackendError with
        ``reason``."""
        if not reason:
            raise ValueError(f"{op_cls.kind!r} is not expressible in {self.name} without a reason")
        self._add(op_cls, NotExpressible(reason))

    def _add(self, op_cls: type[Op], value: EntryT | NotExpressible) -> None:
        if not (isinstance(op_cls, type) and issubclass(op_cls, Op)):
            raise TypeError(f"{self.name} is keyed by op class (a subclass of Op); got {op_cls!r}")
        if op_cls in self:
            raise ValueError(f"{op_cls.kind!r} is registered twice in {self.name}")
        self[op_cls] = value

    def lookup(self, node: Node) -> EntryT:
        """The entry for ``node``'s op; a BackendError naming the layer if there is none or the op is not
        expressible."""
        entry = self.get(type(node.op))
        if entry is None:
            raise BackendError(
                f"{self.backend}: layer kind {node.op.kind!r} has no entry in {self.name}",
                location=node.location,
            )
        if isinstance(entry, NotExpressible):
            raise BackendError(
                f"{self.backend}: {node.op.label()} (layer {node.name}) has no {self.form} form: "
                f"{entry.reason}",
                location=node.location,
            )
        return entry

    def missing(self, op_types: Iterable[type[Op]]) -> list[type[Op]]:
        """The classes among ``op_types`` with neither an entry nor a not-expressible reason here: the
        completeness check, empty when the backend covers them all."""
        return [cls for cls in op_types if cls not in self]


def import_package(name: str) -> list[ModuleType]:
    """Import package ``name`` and every module under it (its subpackages' too); returns them all."""
    package = importlib.import_module(name)
    modules = [package]
    for info in pkgutil.walk_packages(package.__path__, f"{name}."):
        modules.append(importlib.import_module(info.name))
    return modules


def all_op_types() -> list[type[Op]]:
    """Every op class that a module of :data:`OP_PACKAGES` defines, in the order of their kinds. Every
    module of those packages is imported first, so none is missed for not having been imported yet."""
    defined = {m.__name__ for package in OP_PACKAGES for m in import_package(package)}
    return sorted((cls for cls in OP_TYPES.values() if cls.__module__ in defined), key=lambda cls: cls.kind)
