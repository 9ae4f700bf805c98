"""The exceptions of the binding: one class per kind of failure, each
carrying the library's status, message and the path concerned."""
from __future__ import annotations

from . import _lib
from ._constants import Status
from ._lib import SfError


class SpectralFakeError(Exception):
    """A failure reported by libspectralfake.

    Attributes: ``status`` (a :class:`Status`), ``status_name`` (e.g.
    "SF_ERR_TRUNCATED"), ``message`` (the library's message) and ``path``
    (the file concerned, or None).
    """

    def __init__(self, status: int, message: str, path: str | None = None):
        self.status = _status(status)
        self.status_name = self.status.name if isinstance(self.status, Status) else f"status {status}"
        self.message = message
        self.path = path
        super().__init__(f"{message} [{self.status_name}]")


class InvalidArgumentError(SpectralFakeError, ValueError):
    pass


class BufferTooSmallError(SpectralFakeError):
    pass


class ImageReadError(SpectralFakeError, OSError):
    """The file cannot be opened or read (missing, a directory, a FIFO...)."""


class UnknownFormatError(SpectralFakeError, ValueError):
    pass


class UnsupportedFormatError(SpectralFakeError, ValueError):
    pass


class CorruptImageError(SpectralFakeError, ValueError):
    pass


class TruncatedImageError(CorruptImageError):
    pass


class LimitExceededError(SpectralFakeError, ValueError):
    """A limit (pixels, dimension, JPEG scans, input or model size) was hit."""


class TimeLimitError(LimitExceededError, TimeoutError):
    """The call ran over Limits.max_milliseconds."""


class OutOfMemoryError(SpectralFakeError, MemoryError):
    """Memory for a buffer could not be had (the message gives the size asked)."""


class ImageTooSmallError(SpectralFakeError, ValueError):
    pass


class ConstantImageError(SpectralFakeError, ValueError):
    pass


class NonFiniteError(SpectralFakeError, ArithmeticError):
    pass


class EmptyInputError(CorruptImageError):
    pass


class ModelError(SpectralFakeError, ValueError):
    pass


class ModelFormatError(ModelError):
    pass


class ModelVersionError(ModelError):
    pass


class FeatureMismatchError(ModelError):
    pass


class BatchError(SpectralFakeError):
    """Some items of a batch failed. ``failures`` is a list of
    (index, SpectralFakeError); ``result`` holds the partial output (failed
    rows are zeros)."""

    def __init__(self, status, message, failures, result):
        super().__init__(status, message)
        self.failures = failures
        self.result = result


_ERRORS = {
    Status.SF_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    Status.SF_ERR_BUFFER_TOO_SMALL: BufferTooSmallError,
    Status.SF_ERR_IO: ImageReadError,
    Status.SF_ERR_UNKNOWN_FORMAT: UnknownFormatError,
    Status.SF_ERR_UNSUPPORTED: UnsupportedFormatError,
    Status.SF_ERR_CORRUPT: CorruptImageError,
    Status.SF_ERR_TRUNCATED: TruncatedImageError,
    Status.SF_ERR_LIMIT_PIXELS: LimitExceededError,
    Status.SF_ERR_LIMIT_DIMENSION: LimitExceededError,
    Status.SF_ERR_LIMIT_SCANS: LimitExceededError,
    Status.SF_ERR_LIMIT_INPUT_SIZE: LimitExceededError,
    Status.SF_ERR_IMAGE_TOO_SMALL: ImageTooSmallError,
    Status.SF_ERR_CONSTANT_IMAGE: ConstantImageError,
    Status.SF_ERR_NON_FINITE: NonFiniteError,
    Status.SF_ERR_OUT_OF_MEMORY: OutOfMemoryError,
    Status.SF_ERR_MODEL_INVALID: ModelFormatError,
    Status.SF_ERR_MODEL_VERSION: ModelVersionError,
    Status.SF_ERR_FEATURE_MISMATCH: FeatureMismatchError,
    Status.SF_ERR_LIMIT_MODEL_SIZE: LimitExceededError,
    Status.SF_ERR_EMPTY_INPUT: EmptyInputError,
    Status.SF_ERR_LIMIT_TIME: TimeLimitError,
    Status.SF_ERR_LIMIT_MEMORY: LimitExceededError,
    Status.SF_ERR_LIMIT_ANCILLARY: LimitExceededError,
}


def _status(status: int):
    try:
        return Status(status)
    except ValueError:
        return status


def error(status: int, err: SfError, path=None) -> SpectralFakeError:
    """The exception for a status and the sf_error the library filled."""
    msg = err.message.decode("utf-8", "replace") or _lib.load().sf_status_summary(status).decode()
    return _ERRORS.get(_status(status), SpectralFakeError)(status, msg, path)


def raise_for(status: int, err: SfError, path=None):
    """Raises the exception of a failed call (nothing for SF_OK)."""
    if status != Status.SF_OK:
        raise error(status, err, path)


def invalid(message: str) -> InvalidArgumentError:
    """An SF_ERR_INVALID_ARGUMENT raised by the binding's own checks."""
    return InvalidArgumentError(Status.SF_ERR_INVALID_ARGUMENT, message)


def message_struct(text: str) -> SfError:
    """An sf_error holding `text` (for errors the binding reports itself)."""
    e = SfError()
    e.message = text.encode("utf-8")[: _lib.MESSAGE_MAX - 1]
    return e
