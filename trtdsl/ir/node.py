"""Nodes: one layer of a network, its frozen parameters, its inputs and outputs, and the user's line."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from trtdsl.errors import Location
from trtdsl.ir.op import Op

if TYPE_CHECKING:
    from trtdsl.ir.tensor import Tensor

_OpT = TypeVar("_OpT", bound=Op)


class Node:
    """One layer: ``op`` (frozen parameters), input tensors (None for an absent optional input), output
    tensors, a name, and the user's source line where it was created."""

    __slots__ = ("op", "inputs", "outputs", "name", "location", "user_named", "__weakref__")

    def __init__(self, op: Op, inputs: tuple[Tensor | None, ...], name: str, location: Location | None,
                 user_named: bool = False) -> None:
        self.user_named = user_named
        self.op = op
        self.inputs = inputs
        self.outputs: tuple[Tensor, ...] = ()
        self.name = name
        self.location = location

    def input(self, i: int) -> Tensor:
        """Input ``i``, which the op requires (its ``infer`` checked that it is given)."""
        t = self.inputs[i]
        assert t is not None, f"{self!r}: input {i} is absent"
        return t

    def op_as(self, cls: type[_OpT]) -> _OpT:
        """``op``, which the caller knows to be a ``cls`` (e.g. from where the layer sits in a region)."""
        op = self.op
        assert isinstance(op, cls), f"{self!r} is not a {cls.kind} layer"
        return op

    @property
    def output(self) -> Tensor:
        """The only output (for single-output layers)."""
        (out,) = self.outputs
        return out

    def __repr__(self) -> str:
        return f"Node({self.name}: {self.op.label()})"

    def __str__(self) -> str:
        from trtdsl.ir.printer import format_node

        return format_node(self, locations=True)
