"""Plain uploads: a streaming multipart/form-data reader whose `file` part goes to a Receiver.

Starlette's form parser spools the whole body before the endpoint runs, which would refuse a
3 GB upload to a 50 MB bucket only after 3 GB; this reader refuses it at byte 50 MB + 1.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from backbeat.db import Claims
from backbeat.errors import Unprocessable
from backbeat.media import pipeline, service, staging
from backbeat.media.errors import InvalidMetadata
from backbeat.media.models import Bucket, Upload
from backbeat.media.service import MediaContext, StoredObject
from backbeat.media.staging import Receiver, Staged

MAX_FIELD_BYTES = 64 * 1024
FIELDS = ("path", "metadata", "preset")


class InvalidForm(Unprocessable):
    """The multipart body is malformed or misses its file."""


@dataclass
class Form:
    """The parsed form: text fields and the staged file."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    claimed_type: str = "application/octet-stream"
    file: Staged | None = None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    text: bytearray = field(default_factory=bytearray)
    receiver: Receiver | None = None


def boundary_of(content_type: str) -> bytes:
    """The boundary parameter of a multipart/form-data Content-Type."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidForm("send multipart/form-data with a boundary")
    return boundary


async def read_form(
    content_type: str, body: AsyncIterator[bytes], new_receiver: Callable[[], Receiver]
) -> Form:
    """Parse the body as it arrives; the file part is written, every other part kept as text."""
    form, state = Form(), _Parser(new_receiver)
    parser = MultipartParser(boundary_of(content_type), state.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except BaseException:
        state.discard()
        raise
    state.fill(form)
    if form.file is None:
        raise InvalidForm("the form has no `file` part")
    return form


class _Parser:
    """python-multipart callbacks that route part data to text or to the receiver."""

    def __init__(self, new_receiver: Callable[[], Receiver]) -> None:
        self.new_receiver = new_receiver
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.done: list[_Part] = []

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": lambda d, s, e: self.header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_end(self) -> None:
        self.part.headers[bytes(self.header_name).lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if self.part.name == "file":
            if any(p.name == "file" for p in self.done):
                raise InvalidForm("send one `file` part")
            self.part.receiver = self.new_receiver()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.receiver is not None:
            self.part.receiver.write(memoryview(data)[start:end])
            return
        self.part.text.extend(data[start:end])
        if len(self.part.text) > MAX_FIELD_BYTES:
            raise InvalidForm(f"the field {self.part.name!r} is over {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        self.done.append(self.part)

    def fill(self, form: Form) -> None:
        for part in self.done:
            if part.receiver is not None:
                form.file = part.receiver.finish()
                _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
                filename = options.get(b"filename")
                form.filename = filename.decode("utf-8", "replace") if filename else None
                claimed = part.headers.get(b"content-type")
                if claimed:
                    form.claimed_type = claimed.decode("latin-1")
            elif part.name in FIELDS:
                form.fields[part.name] = part.text.decode("utf-8", "replace")

    def discard(self) -> None:
        for part in [*self.done, self.part]:
            if part.receiver is not None:
                part.receiver.discard()


@dataclass(frozen=True)
class UploadedObject:
    """A plain upload's outcome: the object (with its audio file's id) and the upload's record."""

    stored: StoredObject
    upload: Upload


async def upload_object(
    ctx: MediaContext,
    claims: Claims,
    bucket_name: str,
    content_type: str,
    body: AsyncIterator[bytes],
) -> UploadedObject:
    """POST …/objects: the form's file streamed into staging under the limit, then the pipeline.

    No transaction is open while bytes arrive: one reads the bucket and the quota left, one
    opens the upload row, then the pipeline runs its own.
    """
    owner = service.actor_of(claims)
    async with service.user_scope(ctx.database, claims) as session:
        bucket = await service.get_bucket(session, bucket_name)
        left = await service.quota_left(session, ctx.settings, owner, bucket.name)
    limit = staging.size_limit(bucket, bucket.size_limit_bytes if left is None else left)
    form = await read_form(content_type, body, lambda: Receiver(ctx.storage.staging_file(), limit))
    assert form.file is not None
    try:
        upload = await _open_upload(ctx, claims, owner, bucket, form)
    except BaseException:
        form.file.path.unlink(missing_ok=True)
        raise
    stored = await pipeline.process(ctx, claims, upload, bucket, form.file)
    return UploadedObject(stored, upload)


async def _open_upload(
    ctx: MediaContext, claims: Claims, owner: uuid.UUID, bucket: Bucket, form: Form
) -> Upload:
    """The upload row for a received form, after its fields pass."""
    preset = pipeline.check_preset(form.fields.get("preset") or None)
    given = form.fields.get("path")
    path = service.check_path(given, owner) if given else service.default_path(owner, form.filename)
    assert form.file is not None
    upload = Upload(
        id=uuid.uuid4(),
        bucket=bucket.name,
        path=path,
        owner_id=owner,
        protocol="multipart",
        claimed_type=form.claimed_type,
        preset=preset,
        metadata_=user_metadata(form.fields),
        length=form.file.size,
        offset=form.file.size,
        state="receiving",
        progress=0,
    )
    async with service.user_scope(ctx.database, claims) as session:
        session.add(upload)
        await session.flush()
    return upload


def user_metadata(fields: dict[str, str]) -> dict[str, Any]:
    """The `metadata` field: a JSON object."""
    raw = fields.get("metadata")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InvalidMetadata("metadata must be a JSON object") from exc
    if not isinstance(value, dict):
        raise InvalidMetadata("metadata must be a JSON object")
    return value
