"""Writing files atomically: every file trtdsl writes (ONNX models, engine plans, timing caches, saved
outputs, drawings) appears whole or not at all, and a file it replaces stays intact until then.

The data goes to a temporary file in the target's folder, which is flushed to disk (fsync) and renamed
over the target (``os.replace``, atomic on POSIX and Windows). On Linux the temporary file is unnamed
(``O_TMPFILE``) until it is complete, so a writer killed midway leaves nothing behind; elsewhere it is a
hidden ``.NAME.*.tmp`` file, removed when the write fails (but not when the process is killed).

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = atomic_write(os.path.join(folder, "a.txt"), b"old")
>>> try:
...     atomic_write(path, lambda f: (f.write(b"half"), 1 / 0))
... except ZeroDivisionError:
...     pass
>>> path.read_bytes(), os.listdir(folder)
(b'old', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import secrets
import stat
import zipfile
from typing import BinaryIO, Callable, Mapping, Union

import numpy as np

from trtdsl.errors import ArgumentError, shown

Data = Union[bytes, bytearray, memoryview, Callable[[BinaryIO], object]]

_PROC_FD = "/proc/self/fd"


def atomic_write(path: str | os.PathLike[str], data: Data, *, fn: str = "write") -> pathlib.Path:
    """Write ``data`` (bytes, or a function that writes to the binary file object it is given) to ``path``
    atomically, and return the path. A missing folder, a path that is a folder, or a failed write is an
    ArgumentError naming ``fn`` (the operation); an exception ``data`` raises propagates, and in every
    failure the file at ``path`` is left as it was, with no temporary file left beside it."""
    target = writable(path, fn=fn)
    folder = target.parent
    try:
        fd, temp = _open_temporary(folder, target)
        try:
            with os.fdopen(fd, "wb") as f:
                if callable(data):
                    data(f)
                else:
                    f.write(data)
                f.flush()
                os.fsync(f.fileno())
                if temp is None:  # name the unnamed file only now that it is complete
                    temp = _link(f.fileno(), folder, target)
            os.replace(temp, target)
        except BaseException:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            raise
        _sync_folder(folder)
    except OSError as exc:
        raise ArgumentError(f"{fn}: cannot write {str(target)!r}: {exc.strerror or exc}") from None
    return target


def npz_bytes(fn: str, arrays: Mapping[str, np.ndarray]) -> bytes:
    """An ``.npz`` file (a zip of ``.npy`` files, what ``np.load`` reads) holding ``arrays`` by name. Every
    name is kept (``np.savez(**arrays)`` would take ``file`` or ``allow_pickle`` for its own arguments);
    a dtype NumPy's format cannot read back (bfloat16, fp8, int4: it reads them as raw bytes) is an
    ArgumentError naming ``fn``.

    >>> import io, numpy as np
    >>> data = npz_bytes("save", {"allow_pickle": np.ones(2, np.float32), "file": np.zeros(1)})
    >>> sorted(np.load(io.BytesIO(data)).files)
    ['allow_pickle', 'file']
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            if array.dtype.kind == "V":
                raise ArgumentError(f"{fn}: {name!r} has dtype {array.dtype}, which an .npz file cannot hold "
                                    "(NumPy would read it back as raw bytes); save to a .safetensors file, "
                                    "or cast it to float32 first")
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def writable(path: object, *, fn: str = "write") -> pathlib.Path:
    """``path`` as an absolute path whose folder exists and which is not itself a folder, else an
    ArgumentError naming ``fn``: what :func:`atomic_write` checks first, for callers that check before
    they compute what to write.

    >>> try:
    ...     writable("/no/such/folder/model.onnx", fn="export")
    ... except ArgumentError as e:
    ...     print(e.message)
    export: cannot write '/no/such/folder/model.onnx': folder '/no/such/folder' does not exist
    """
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ArgumentError(f"{fn}: argument 'path' is {shown(path)}; expected a file path")
    target = pathlib.Path(os.path.abspath(os.fspath(path)))
    if target.is_dir():
        raise ArgumentError(f"{fn}: cannot write {str(target)!r}: it is a folder; give a file path")
    if not target.parent.is_dir():
        raise ArgumentError(f"{fn}: cannot write {str(target)!r}: folder {str(target.parent)!r} does not "
                            "exist")
    return target


def _open_temporary(folder: pathlib.Path, target: pathlib.Path) -> tuple[int, str | None]:
    """A file descriptor open for writing in ``folder``, and the temporary file's name (None when it is
    unnamed). It has the target's permissions if the target exists, else the usual ones (0o666 less the
    umask)."""
    fd = -1
    if hasattr(os, "O_TMPFILE") and os.path.isdir(_PROC_FD):
        with contextlib.suppress(OSError):  # a file system without unnamed files: use a named one
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
    temp = None
    if fd < 0:
        temp = _temporary_name(folder, target)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if temp is None:
            os.chmod(fd, mode)
        else:
            os.chmod(temp, mode)
    return fd, temp


def _link(fd: int, folder: pathlib.Path, target: pathlib.Path) -> str:
    """Give the unnamed file ``fd`` a temporary name in ``folder`` and return it. The folder's descriptor
    makes ``os.link`` call ``linkat`` with ``AT_SYMLINK_FOLLOW``, which links the file ``/proc/self/fd/N``
    stands for (plain ``link`` would try to link that symbolic link, across file systems)."""
    name = _temporary_name(folder, target)
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        os.link(f"{_PROC_FD}/{fd}", os.path.basename(name), dst_dir_fd=folder_fd, follow_symlinks=True)
    finally:
        os.close(folder_fd)
    return name


def _temporary_name(folder: pathlib.Path, target: pathlib.Path) -> str:
    return str(folder / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _sync_folder(folder: pathlib.Path) -> None:
    """Flush the folder's entry for the renamed file to disk, where the system allows it."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["atomic_write", "writable"]
