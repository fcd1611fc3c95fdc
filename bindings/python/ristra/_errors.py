"""ristra.Error and one subclass per error code of include/ristra/common.h."""
from __future__ import annotations

import errno as _errno
import os as _os

# The pinned codes of enum ristra_error (include/ristra/common.h).
RISTRA_ERROR = -1
RISTRA_EINVAL = -2
RISTRA_ENOMEM = -3
RISTRA_EIO = -4
RISTRA_EFORMAT = -5
RISTRA_EVERSION = -6
RISTRA_EUNSUPPORTED = -7
RISTRA_ENOTFOUND = -8
RISTRA_ENUMERIC = -9
RISTRA_ECANCELLED = -10


class Error(Exception):
    """A failure reported by libristra (or by this binding before calling it).

    Attributes:
        code: the negative ``ristra_error`` code (``RISTRA_EFORMAT`` = -5, ...).
        message: what failed and where, as ``ristra_last_error()`` said it.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"


class InternalError(Error):
    """RISTRA_ERROR: a bug in libristra; please report it."""


class InvalidArgumentError(Error, ValueError):
    """RISTRA_EINVAL: a bad argument (also a ValueError)."""


class OutOfMemoryError(Error):
    """RISTRA_ENOMEM."""


class FileError(Error, OSError):
    """RISTRA_EIO: a file could not be opened, read, written or renamed.

    Also an OSError, so ``except OSError`` catches it: ``errno`` is the
    system's error number when the library's message ends with its text
    ("...: No such file or directory"), else None; ``filename`` is the
    path this binding passed, when it passed one.
    """

    def __init__(self, code: int, message: str, filename: str | None = None) -> None:
        super().__init__(code, message)
        number = _errno_in(message)
        self.errno = number  # type: ignore[assignment]  # None when unknown, as OSError's
        self.strerror = _os.strerror(number) if number is not None else message
        self.filename = filename


class FormatError(Error):
    """RISTRA_EFORMAT: malformed input (model file, gzip stream, CSV)."""


class VersionError(Error):
    """RISTRA_EVERSION: input (or a library) of a version this one cannot use."""


class UnsupportedError(Error):
    """RISTRA_EUNSUPPORTED: well-formed input that ristra does not support."""


class NotFoundError(Error, KeyError):
    """RISTRA_ENOTFOUND: a named feature, column or group does not exist
    (also a KeyError, as a missing key is in a dict or a DataFrame)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class NumericError(Error):
    """RISTRA_ENUMERIC: no convergence, separation, singular system."""


class CancelledError(Error):
    """RISTRA_ECANCELLED: stopped by the caller's progress callback."""


_BY_CODE = {
    RISTRA_ERROR: InternalError,
    RISTRA_EINVAL: InvalidArgumentError,
    RISTRA_ENOMEM: OutOfMemoryError,
    RISTRA_EIO: FileError,
    RISTRA_EFORMAT: FormatError,
    RISTRA_EVERSION: VersionError,
    RISTRA_EUNSUPPORTED: UnsupportedError,
    RISTRA_ENOTFOUND: NotFoundError,
    RISTRA_ENUMERIC: NumericError,
    RISTRA_ECANCELLED: CancelledError,
}


def _errno_in(message: str) -> int | None:
    """The errno whose strerror() text ends the message, if one does."""
    for number in sorted(_errno.errorcode):
        if message.endswith(": " + _os.strerror(number)):
            return number
    return None


def error_for(code: int, message: str, filename: str | None = None) -> Error:
    """The exception for a code: its subclass, or Error for codes this
    binding does not know yet (codes are only ever appended). filename is
    kept by a FileError (OSError.filename)."""
    if code == RISTRA_EIO:
        return FileError(code, message, filename)
    kind: type[Error] = _BY_CODE.get(code, Error)
    return kind(code, message)
