"""The validation gate every upload passes: type from the bytes, bucket and claim, a full decode.

Nothing is stored until the whole file has been decoded here (in a thread); a refusal becomes the
upload's problem (415 or 422, see docs/media.md). Distinct from analysis.py, which measures audio
that has already been accepted.
"""

from __future__ import annotations

from pathlib import Path

import anyio

from backbeat.config import Settings
from backbeat.media.errors import from_rejection
from backbeat.media.models import Bucket, Upload
from backbeat.media.probe import Validated, validate_upload
from backbeat.media.sniff import MediaRejected


async def validate_bytes(
    settings: Settings, upload: Upload, bucket: Bucket, path: Path
) -> Validated:
    """The staged file's detected type and decoded facts, or the refusal as an AppError."""
    try:
        return await anyio.to_thread.run_sync(
            lambda: validate_upload(
                path,
                upload.claimed_type,
                bucket.allowed_types,
                max_pixels=settings.max_image_pixels,
            )
        )
    except MediaRejected as rejected:
        raise from_rejection(rejected) from rejected
