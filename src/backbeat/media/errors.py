"""Media problems: each refusal has its own code, so clients can tell the user what to fix."""

from __future__ import annotations

from backbeat.errors import AppError, Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from backbeat.media.sniff import MediaRejected


class UnsupportedMediaType(AppError):
    """415: the bytes are no format Backbeat accepts, or the bucket does not take it."""

    status_code = 415
    title = "Unsupported media type"


class EmptyFile(Unprocessable):
    """The file has no bytes."""


class UnknownType(UnsupportedMediaType):
    """The bytes match none of the accepted formats (whatever the name or header said)."""


class TypeNotAllowed(UnsupportedMediaType):
    """The detected type is not in the bucket's allowed list."""


class TypeMismatch(UnsupportedMediaType):
    """The client claimed one type and the bytes are another (a PNG renamed .wav)."""


class PolyglotFile(Unprocessable):
    """The file is two formats at once, or has data after its end."""


class UndecodableFile(Unprocessable):
    """A real decoder could not read the whole file (truncated, corrupt)."""


class TooManyPixels(Unprocessable):
    """An image over the pixel limit (a decompression bomb)."""


class FileTooLarge(PayloadTooLarge):
    """The file is over the bucket's size limit; refused as soon as the limit was passed."""


class QuotaExceeded(PayloadTooLarge):
    """The file would take the user over their bytes in this bucket."""


class InvalidPath(Unprocessable):
    """`..`, absolute paths, empty segments and control characters are refused."""


class ForeignFolder(Forbidden):
    """Objects are written only under the caller's own folder, `{user_id}/…`."""


class InvalidPreset(Unprocessable):
    """The preset is not one of optimized, balanced, maximum."""


class InvalidParent(Unprocessable):
    """A stem's parent_file_id names no audio file the uploader can see."""


class InvalidMetadata(Unprocessable):
    """The metadata field is not a JSON object."""


class LinkedObjectNotFound(Unprocessable):
    """A track's audio_object_id or cover_object_id names no object the caller can see."""


class ForeignObject(Forbidden):
    """A track links only objects its owner uploaded."""


class WrongObjectKind(Unprocessable):
    """audio_object_id must name an audio object, cover_object_id an image."""


class BucketNotFound(NotFound):
    """No bucket by that name."""


class ObjectNotFound(NotFound):
    """No object at that path that the caller may see."""


class UploadNotFound(NotFound):
    """No upload with that id that the caller may see."""


class AudioFileNotFound(NotFound):
    """No audio file with that id that the caller may see."""


class ObjectExists(Conflict):
    """An object already lives at that path; delete it first."""


class OffsetMismatch(Conflict):
    """tus: the PATCH's Upload-Offset is not where the upload stands."""


class UploadNotReceiving(Conflict):
    """tus: the upload is already complete, failed or being processed."""


class UploadLocked(AppError):
    """tus: another PATCH is writing to this upload right now."""

    status_code = 423
    title = "Locked"


class UploadExpired(AppError):
    """tus: the upload was abandoned and its bytes dropped."""

    status_code = 410
    title = "Gone"


class TusVersionUnsupported(AppError):
    """tus: only Tus-Resumable 1.0.0 is spoken."""

    status_code = 412
    title = "Precondition failed"


class RangeNotSatisfiable(AppError):
    """The Range header asks for bytes the object does not have."""

    status_code = 416
    title = "Range not satisfiable"


class InvalidSignature(Forbidden):
    """The signed URL was altered, or has expired."""


REJECTIONS: dict[str, type[AppError]] = {
    "empty": EmptyFile,
    "unknown_type": UnknownType,
    "not_allowed": TypeNotAllowed,
    "type_mismatch": TypeMismatch,
    "polyglot": PolyglotFile,
    "undecodable": UndecodableFile,
    "too_many_pixels": TooManyPixels,
}


def from_rejection(rejected: MediaRejected) -> AppError:
    """The problem a refused file becomes (unknown gate codes stay 422s)."""
    kind = REJECTIONS.get(rejected.code, UndecodableFile)
    return kind(rejected.detail)
