"""The functions behind the IR's conveniences, registered by the layers above the IR that define them.

``x + y`` is :func:`trtdsl.add` (through ``binary_operator``), ``x.sum()`` is :func:`trtdsl.sum`,
``net.constant(v)`` is a Constant layer and ``net.output`` may insert an Identity layer:
:class:`~trtdsl.Tensor` and :class:`~trtdsl.Network` call these by name from :data:`FUNCTIONS`, which the
modules that define them fill with :func:`ir_function`, so the IR imports none of them
(``docs/architecture.md``, "Layers").
Importing ``trtdsl`` imports every such module.

>>> import trtdsl as td
>>> FUNCTIONS["sum"] is td.sum
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from trtdsl.ir.tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])

FUNCTIONS: dict[str, Callable[..., Any]] = {}


def ir_function(fn: F) -> F:
    """Register ``fn`` in :data:`FUNCTIONS` under its name, for the IR's methods that call it."""
    FUNCTIONS[fn.__name__] = fn
    return fn


def function(name: str) -> Callable[..., Any]:
    """The function registered as ``name``."""
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise LookupError(
            f"no function {name!r} is registered for the IR; the module defining it registers it with "
            "trtdsl.ir.functions.ir_function when it is imported (importing trtdsl imports it)"
        ) from None


def tensor_function(name: str) -> Callable[..., Tensor]:
    """:func:`function` for a registered function that builds layers: it returns the new Tensor."""
    found = FUNCTIONS.get(name)  # every operator on a Tensor asks: one lookup, no call
    return function(name) if found is None else found


__all__ = ["FUNCTIONS", "function", "ir_function", "tensor_function"]
