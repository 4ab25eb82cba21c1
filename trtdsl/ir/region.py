"""Regions: the loops and if-conditionals of a network, as TensorRT's ``ILoop`` and ``IIfConditional``.

A region is not a container of layers. As in TensorRT, a loop or conditional is identified by its
*boundary layers* (TripLimit, Iterator, Recurrence, LoopOutput; Condition, ConditionalInput,
ConditionalOutput), each of which holds the :class:`Region` it belongs to in its op. Which other
layers are inside follows from data flow (see :mod:`trtdsl.ir.structure`).

>>> Region("loop", 0, "loop_0")
Region(kind='loop', index=0, name='loop_0')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from trtdsl.errors import ArgumentError, DTypeError, ShapeError, check_name
from trtdsl.ir.types import TensorType

if TYPE_CHECKING:
    from trtdsl.ir.network import Network

KINDS = ("loop", "if")


@attrs.frozen(cache_hash=True)
class Region:
    """One loop (``kind="loop"``, TensorRT's ``ILoop``) or if-conditional (``kind="if"``,
    ``IIfConditional``) of a network.

    ``index`` is the region's position in ``network.regions`` (regions are numbered in the order
    their first boundary layer appears, which is also TensorRT's layer order), ``name`` is the
    ``ILoop``/``IIfConditional`` name. Regions are values: two networks built the same way have
    equal regions, so their boundary ops compare equal (a lowering to TensorRT and a raise back give
    the same IR when they keep the order and set/read the names).
    """

    kind: str
    index: int
    name: str

    @property
    def is_loop(self) -> bool:
        return self.kind == "loop"

    def __str__(self) -> str:
        return self.name


def new_region(network: Network, kind: str, name: str | None) -> Region:
    """Register a new region of ``kind`` in ``network`` (named ``name``, or ``loop_<n>``/``if_<n>``)."""
    if kind not in KINDS:
        raise ArgumentError(f"region: argument 'kind' is {kind!r}; expected one of {', '.join(KINDS)}")
    if name is None:
        taken = {r.name for r in network.regions}
        n = sum(1 for r in network.regions if r.kind == kind)
        while f"{kind}_{n}" in taken:
            n += 1
        name = f"{kind}_{n}"
    else:
        check_name("Loop" if kind == "loop" else "If", name)
    if any(r.name == name for r in network.regions):
        raise ArgumentError(f"{'Loop' if kind == 'loop' else 'If'}: network {network.name!r} already has a "
                            f"region named {name!r}")
    region = Region(kind, len(network.regions), name)
    network.regions.append(region)
    network._changed()
    return region


def check_same_type(
    label: str, a: tuple[str, TensorType], b: tuple[str, TensorType], why: str, *, rank_only: bool = False
) -> None:
    """Raise if the two named types differ in dtype or shape (dims compared as the IR knows them), or with
    ``rank_only`` in dtype or rank."""
    (a_name, a_ty), (b_name, b_ty) = a, b
    if a_ty.dtype != b_ty.dtype:
        raise DTypeError(f"{label}: the {a_name} has dtype {a_ty.dtype.name} but the {b_name} has dtype "
                         f"{b_ty.dtype.name}; {why}")
    if (a_ty.rank != b_ty.rank) if rank_only else (a_ty.shape != b_ty.shape):
        raise ShapeError(f"{label}: the {a_name} has shape {a_ty.shape_text} but the {b_name} has shape "
                         f"{b_ty.shape_text}; {why}")
