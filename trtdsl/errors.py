"""trtdsl's exceptions, and where in the user's code they point.

Every error names the place in the user's program that caused it: the first stack frame outside the
``trtdsl`` package, captured when the error (or the node it is about) is created.

>>> import trtdsl as td
>>> net = td.Network("e")
>>> x = net.input("x", td.float32, (2, 3))
>>> try:
...     td.leaky_relu(x, alpha=float("nan"))
... except td.DSLError as e:
...     print(e.message)
leaky_relu: argument 'alpha' is nan; expected a finite float
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import reprlib
import sys
import warnings
from types import CodeType, FrameType
from typing import Any, Callable, TypeVar, Union

import attrs
import numpy as np

_F = TypeVar("_F", bound=Callable[..., Any])
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Frames that are never the user's line: trtdsl itself, code attrs and importlib generate for its classes,
# the context managers its with blocks are made of, and NumPy calling back into a Tensor.
_NOT_USER = (
    _PACKAGE_DIR, "<attrs generated", "<frozen ", os.path.abspath(contextlib.__file__),
    os.path.dirname(os.path.abspath(np.__file__)) + os.sep,
)


@attrs.frozen
class Location:
    """A place in the user's source: file and line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def short(self) -> str:
        return f"{_basename(self.file)}:{self.line}"


@functools.lru_cache(maxsize=256)
def _basename(path: str) -> str:
    """``os.path.basename``, worked out once per file (every layer's name in an engine shows it)."""
    return os.path.basename(path)


# Functions through which a program enters trtdsl without any user code around it (the command line's
# main): the frames beyond them are the program that started trtdsl (the installed ``trtdsl`` script),
# never the user's line. By the code's id.
_ENTRY_POINTS: dict[int, CodeType] = {}


def entry_point(fn: _F) -> _F:
    """Mark ``fn`` as an entry point: :func:`user_location` looks for the user's line only inside it."""
    _ENTRY_POINTS[id(fn.__code__)] = fn.__code__
    _FILE_KINDS.pop(fn.__code__.co_filename, None)
    return fn


def user_location(skip: int = 0) -> Location | None:
    """The innermost stack frame outside trtdsl and the libraries it calls (the user's line), or None
    when there is none before an :func:`entry_point`. The search starts at the caller's frame, or
    ``skip`` frames further out (frames the caller knows are trtdsl's: each costs a step of the search)."""
    try:
        frame: FrameType | None = sys._getframe(1 + skip)
    except ValueError:  # the stack holds no frame beyond those: trtdsl was called from outside Python
        return None
    kinds = _FILE_KINDS
    while frame is not None:
        code = frame.f_code
        file = code.co_filename
        kind = kinds.get(file)
        if kind is None:
            kind = _file_kind(file)
        if kind is not _LIBRARY:
            if kind is not _USER and id(code) in _ENTRY_POINTS:
                return None
            if kind is _USER or kind is _USER_WITH_ENTRY:
                key = (id(code), frame.f_lasti)
                found = _LOCATIONS.get(key)
                if found is None or found[0] is not code:
                    if len(_LOCATIONS) >= _KEPT:
                        _LOCATIONS.clear()
                    found = _LOCATIONS[key] = (code, Location(file, frame.f_lineno))
                return found[1]
        frame = frame.f_back
    return None


def warn_at_user_line(message: str, category: type[Warning]) -> None:
    """Issue a warning of ``category`` attributed to the user's line (:func:`user_location`), or to the
    caller's caller where there is none."""
    where = user_location()
    if where is None:
        warnings.warn(message, category, stacklevel=3)
    else:
        warnings.warn_explicit(message, category, where.file, where.line)


Where = Union[int, Location, None]
"""Where a new layer stands in the user's code, as trtdsl's functions pass it on: the location itself, found
once for a layer and the constants made for it (None where there is none), or the number of frames between
the function given it and the user's that are trtdsl's own (the search for the location skips them)."""


def outward(where: Where) -> Where:
    """``where`` passed on by the function given it: a count of trtdsl's frames counts that function's too,
    a location found stays.

    >>> outward(1), outward(Location("model.py", 3))
    (2, Location(file='model.py', line=3))
    """
    return where + 1 if isinstance(where, int) else where


# Whether a frame is the user's depends on its file alone, but for entry points (code objects, kept alive by
# the table so that their ids are not reused); the files holding one are marked so that only their frames
# look the code up.
_USER, _LIBRARY, _USER_WITH_ENTRY, _LIBRARY_WITH_ENTRY = "user", "library", "user+entry", "library+entry"
# each file's kind, worked out once (every layer asks, through several frames each): a str keeps its hash,
# where hashing a code object hashes its bytecode and constants
_FILE_KINDS: dict[str, str] = {}
_KEPT = 4096
# the Location of each instruction met, by (code id, offset), made once (a loop makes its layers on the same
# lines): an instruction's line is worked out from the code's line table (the cost of a frame's f_lineno),
# and a Location is a value. The code is kept with it, so that its id stays its own while the entry lives.
_LOCATIONS: dict[tuple[int, int], tuple[CodeType, Location]] = {}


def _file_kind(file: str) -> str:
    if len(_FILE_KINDS) >= _KEPT:  # files made on the fly (exec, doctests) must not pile up
        _FILE_KINDS.clear()
    library = file.startswith(_NOT_USER)
    if any(code.co_filename == file for code in _ENTRY_POINTS.values()):
        kind = _LIBRARY_WITH_ENTRY if library else _USER_WITH_ENTRY
    else:
        kind = _LIBRARY if library else _USER
    _FILE_KINDS[file] = kind
    return kind


class DSLError(Exception):
    """Base of every trtdsl error. ``message`` says what is wrong; ``location`` is the user's line."""

    def __init__(self, message: str, *, location: Location | None = None, context: str = "") -> None:
        self.message = message
        self.located = location is not None  # given by the raiser, not the line that called into trtdsl
        self.location = location if location is not None else user_location()
        self.context = context
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        extra = f"\n{self.context}" if self.context else ""
        return f"{where}{self.message}{extra}"

    def __str__(self) -> str:
        return self._text()


class ArgumentError(DSLError, ValueError):
    """An argument has a value the op does not accept."""


class ShapeError(DSLError, ValueError):
    """Shapes or ranks that do not fit the op."""


class UnequalDimsError(ShapeError):
    """Dims a layer needs equal (broadcast, contracted or concatenated) where two are dynamic dims that are
    not known to be equal (named apart); ``dims`` holds the two."""

    def __init__(self, message: str, *, dims: tuple[Any, ...] = (), location: Location | None = None,
                 context: str = "") -> None:
        self.dims = dims
        super().__init__(message, location=location, context=context)


class DTypeError(DSLError, TypeError):
    """A data type the op does not accept, or inputs whose data types disagree."""


class RegionError(DSLError):
    """A loop or conditional that TensorRT would reject (data flow leaving a region, bad nesting, ...)."""


class InputError(DSLError, ValueError):
    """Values given to run a network that do not match its inputs."""


class ExecutionError(DSLError, RuntimeError):
    """A layer failed while the network ran (for example an index out of range in STRICT_BOUNDS mode)."""


class BackendError(DSLError, RuntimeError):
    """A backend is missing, or cannot express or run this network."""


_NUMBERS = (int, float, np.ndarray, np.generic)


def constant_hint(value: object) -> str:
    """How to pass ``value`` where a Tensor is needed: ``"; turn an array or a number into one with
    net.constant(...)"`` when ``value`` is one (a number, a NumPy array or a nested list of numbers), else
    "". Error messages that refuse a non-tensor end with it.

    >>> constant_hint([[1, 2], [3, 4.5]]), constant_hint("x")
    ('; turn an array or a number into one with net.constant(...)', '')
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple)) and item:
            pending.extend(item)
        elif not (isinstance(item, _NUMBERS) and np.asarray(item).dtype.kind in "biuf"):
            return ""
    return "; turn an array or a number into one with net.constant(...)"


def bad_argument(op: str, arg: str, value: object, expected: str,
                 cls: type[DSLError] = ArgumentError) -> DSLError:
    """The standard message for a bad argument: ``op: argument 'arg' is value; expected ...``."""
    return cls(f"{op}: argument '{arg}' is {shown(value)}; expected {expected}")


def mismatches(what: str, problems: list[str], hint: str = "") -> ArgumentError:
    """One ArgumentError listing every problem of a set of named arrays that does not fit, so a user
    fixes them all at once (a checkpoint, refit weights), then ``hint`` (how to fix them) if given.

    >>> print(mismatches("load_state_dict: the checkpoint does not fit Linear", ["missing: bias"]).message)
    load_state_dict: the checkpoint does not fit Linear (1 mismatch):
      missing: bias
    """
    count = f"{len(problems)} mismatch{'es' if len(problems) > 1 else ''}"
    return ArgumentError(f"{what} ({count}):\n  " + "\n  ".join(problems) + (f"\n{hint}" if hint else ""))


def check_name(what: str, name: object) -> None:
    """A name of a network, layer or tensor is a non-empty str of printable characters: a newline or NUL
    would forge lines in the textual IR and in TensorRT's layer names.

    >>> try:
    ...     check_name("input", "x\\n")
    ... except ArgumentError as e:
    ...     print(e.message)
    input: argument 'name' is 'x\\n'; expected a non-empty str of printable characters
    """
    if not isinstance(name, str) or not name or not name.isprintable():
        raise ArgumentError(f"{what}: argument 'name' is {shown(name)}; expected a non-empty str of "
                            "printable characters")


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxstring, _SHORT.maxother = 3, 6, 6, 60, 60
_SHORT.maxlong = 500  # ints are shown whole up to 500 digits
_LONGEST = 400


def shown(value: object) -> str:
    """``repr(value)`` on one line for a message; a value whose repr is long, fails or recurses too deeply
    (a list nested thousands of levels) is shortened, so that describing bad input never fails itself.

    >>> shown([1, 2]), shown(list(range(1000))), shown("x" * 1000)[:12], shown(np.eye(2))
    ('[1, 2]', '[0, 1, 2, 3, 4, 5, ...]', "'xxxxxxxxxxx", 'array([[1., 0.], [0., 1.]])')
    """
    try:
        text = repr(value)
    except Exception:  # RecursionError from deep nesting, or a __repr__ that fails
        text = ""
    if not text or len(text) > _LONGEST:
        try:
            text = _SHORT.repr(value)
        except Exception:
            text = f"<{type(value).__name__} object>"
    return re.sub(r"\n\s*", " ", text)  # NumPy's multi-line reprs (a str's repr has no newline)
