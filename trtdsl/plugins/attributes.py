"""Plugin attributes: the typed parameters a plugin class declares as annotated fields.

An attribute is a Python scalar (``int``, ``float``, ``bool``, ``str``), a NumPy scalar type that fixes
its TensorRT field type (``np.int32``, ``np.float16``, ...), or a tuple of numbers
(``tuple[int, ...]``, ``tuple[np.float32, ...]``). Values are checked and normalised when a plugin is
instantiated, so that the NumPy reference sees exactly the value TensorRT will see: a ``np.float32``
attribute holds ``float(np.float32(value))``.

>>> t = AttrType.parse("demo", "limit", float)
>>> t.convert("demo", "limit", 4)
4.0
>>> AttrType.parse("demo", "pads", tuple[np.int32, ...]).convert("demo", "pads", [1, 2])
(1, 2)
"""

from __future__ import annotations

import math
import typing
from typing import Any

import attrs
import numpy as np

from trtdsl.errors import ArgumentError, bad_argument

_PYTHON = (int, float, bool, str)
_NUMPY = tuple(
    np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64)
)
_NUMPY_BY_TYPE = {d.type: d for d in _NUMPY}
SUPPORTED = (
    "int, float, bool, str, a NumPy scalar type (np.int8, np.int16, np.int32, np.int64, np.float16, "
    "np.float32, np.float64) or a tuple of numbers (tuple[int, ...], tuple[float, ...], tuple[np.int32, ...])"
)


@attrs.frozen
class AttrType:
    """The type of one attribute: ``python`` is int, float, bool or str; ``numpy`` the exact element
    type when the annotation names one (None for Python's own types); ``array`` for tuples."""

    python: type
    numpy: np.dtype | None = None
    array: bool = False

    @staticmethod
    def parse(owner: str, name: str, annotation: Any) -> AttrType:
        """The AttrType an annotation denotes, or an ArgumentError naming the attribute."""
        if typing.get_origin(annotation) is tuple:
            args = typing.get_args(annotation)
            if len(args) == 2 and args[1] is Ellipsis:
                element = _scalar(args[0])
                if element is not None and element.python in (int, float):
                    return AttrType(element.python, element.numpy, True)
        else:
            found = _scalar(annotation)
            if found is not None:
                return found
        raise ArgumentError(
            f"{owner}: attribute '{name}' is annotated {_annotation_text(annotation)}; expected {SUPPORTED}"
        )

    @property
    def element_text(self) -> str:
        if self.numpy is not None:
            return self.numpy.name
        return self.python.__name__

    def __str__(self) -> str:
        return f"tuple[{self.element_text}, ...]" if self.array else self.element_text

    def expected(self) -> str:
        """What a value must be, for error messages."""
        if self.array:
            return f"a sequence of {self._element_expected(plural=True)}"
        return self._element_expected(plural=False)

    def _element_expected(self, plural: bool) -> str:
        if self.python is float:
            base = "floats" if plural else "a float"
            if self.numpy is not None:
                base += f" representable as {self.numpy.name}"
            return base + " (not NaN)"
        if self.python is int:
            base = "ints" if plural else "an int"
            bits = np.iinfo(self.numpy if self.numpy is not None else np.int64)
            return f"{base} in [{bits.min}, {bits.max}]"
        return {bool: "a bool", str: "a str"}[self.python]

    def convert(self, owner: str, name: str, value: Any) -> Any:
        """``value`` checked and normalised (Python scalars; tuples for arrays)."""
        if self.array:
            items = value
            if isinstance(value, np.ndarray):
                items = value.tolist() if value.ndim == 1 else None
            elif not isinstance(value, (tuple, list)):
                items = None
            converted = None if items is None else [self._element(v) for v in items]
            if converted is None or any(v is None for v in converted):
                raise bad_argument(owner, name, value, self.expected())
            return tuple(converted)
        found = self._element(value)
        if found is None:
            raise bad_argument(owner, name, value, self.expected())
        return found

    def _element(self, value: Any) -> Any:
        if self.python is bool:
            return bool(value) if isinstance(value, (bool, np.bool_)) else None
        if self.python is str:
            return value if isinstance(value, str) else None
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            return None
        if self.python is int:
            if isinstance(value, (float, np.floating)):
                return None
            bits = np.iinfo(self.numpy if self.numpy is not None else np.int64)
            return int(value) if bits.min <= value <= bits.max else None
        number = float(value)
        if math.isnan(number):
            return None
        if self.numpy is not None:
            with np.errstate(over="ignore"):
                rounded = float(self.numpy.type(number))
            return rounded if math.isinf(rounded) == math.isinf(number) else None
        return number


def _scalar(annotation: Any) -> AttrType | None:
    if annotation in _PYTHON:
        return AttrType(annotation)
    found = _NUMPY_BY_TYPE.get(annotation) if isinstance(annotation, type) else None
    if found is None:
        return None
    return AttrType(float if found.kind == "f" else int, found)


def _annotation_text(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return repr(annotation).replace("typing.", "")


__all__ = ["AttrType", "SUPPORTED"]
