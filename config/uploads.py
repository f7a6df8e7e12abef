"""Upload limits checked as the body streams in, before anything is spooled or stored.

`LimitedUploadHandler` runs first among FILE_UPLOAD_HANDLERS. The view a request is routed to
declares its limit (`upload_limit`, below): a body whose Content-Length is over it is refused before a
byte of it is read, and a file that grows past the per-file limit is cut off at the chunk that
crosses it, so nothing reaches a temporary file or memory beyond the limit. A view may also declare
the types it takes (`upload_types`): each file's first bytes are checked against their magic numbers
as they arrive, before the rest is read. Refusals are `UploadRefused` (413 media_too_large, 400
media_unsupported_type) with the API's error body (config/errors.py); web pages get a 400 page.

A view with no declaration gets DEFAULT_UPLOAD_LIMIT_SETTING (the largest upload the platform takes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import Resolver404, resolve

from config.codes import MediaCode

DEFAULT_UPLOAD_LIMIT_SETTING = "RENDER_MAX_UPLOAD_BYTES"
# Room for the multipart boundaries, headers and small form fields beside the files.
FORM_OVERHEAD_BYTES = 64 * 1024
HEAD_BYTES = 16

_MAGIC = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1a\x45\xdf\xa3", "webm"),  # EBML: WebM and Matroska
)
# ISO base media files name their brand after "ftyp": AVIF and HEIF stills, QuickTime, else MP4.
_FTYP_BRANDS = {b"avif": "avif", b"avis": "avif", b"qt  ": "mov"} | dict.fromkeys(
    (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"), "heic"
)


def sniff_format(head: bytes) -> str | None:
    """The format of a file from its first bytes (never its name): jpeg, png, webp, gif, avif, heic,
    mp4, mov, webm or None. Which of them an endpoint accepts is its own choice (`upload_limit`)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "mp4")
    return None


class UploadRefused(SuspiciousOperation):
    """An upload refused while it streamed in; nothing of it was kept."""

    def __init__(self, message: str, *, code: str, status: int, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status
        self.detail = detail or {}


@dataclass(frozen=True)
class UploadPolicy:
    per_file_setting: str = DEFAULT_UPLOAD_LIMIT_SETTING
    max_files: int = 1
    types: frozenset[str] = frozenset()
    too_large_code: str = MediaCode.MEDIA_TOO_LARGE

    @property
    def per_file_bytes(self) -> int:
        return int(getattr(settings, self.per_file_setting))

    @property
    def body_bytes(self) -> int:
        return self.per_file_bytes * self.max_files + FORM_OVERHEAD_BYTES


V = TypeVar("V")


def upload_limit(
    per_file_setting: str,
    *,
    max_files: int = 1,
    types: frozenset[str] = frozenset(),
    too_large_code: str = MediaCode.MEDIA_TOO_LARGE,
) -> Callable[[V], V]:
    """Declare a view's upload policy (a function view or an APIView class): the setting that holds the
    per-file byte limit, how many files it takes, the types it takes (empty: any) and the code of a
    file over the limit (the one the endpoint's own checks used, so clients keep theirs)."""

    def mark(view: V) -> V:
        view.upload_policy = UploadPolicy(per_file_setting, max_files, types, too_large_code)  # type: ignore[attr-defined]
        return view

    return mark


def policy_for(request: Any) -> UploadPolicy:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return UploadPolicy()
    view = match.func
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        policy = getattr(candidate, "upload_policy", None)
        if isinstance(policy, UploadPolicy):
            return policy
    return UploadPolicy()


def too_large(limit: int, code: str) -> UploadRefused:
    return UploadRefused(
        f"the upload is larger than this endpoint accepts ({limit} bytes)",
        code=code,
        status=413,
        detail={"max_bytes": limit},
    )


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.policy = policy_for(request) if request is not None else UploadPolicy()
        self.received = 0
        self.head = b""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: str | None = None
    ) -> None:
        if content_length > self.policy.body_bytes:
            raise too_large(self.policy.body_bytes, self.policy.too_large_code)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.head = b""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.policy.per_file_bytes:
            raise too_large(self.policy.per_file_bytes, self.policy.too_large_code)
        if self.policy.types and len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
            if len(self.head) >= HEAD_BYTES and sniff_format(self.head) not in self.policy.types:
                raise unsupported(self.file_name, self.policy.types)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        if self.policy.types and 0 < len(self.head) < HEAD_BYTES and sniff_format(self.head) not in self.policy.types:
            raise unsupported(self.file_name, self.policy.types)


def unsupported(name: str | None, types: frozenset[str]) -> UploadRefused:
    accepted = ", ".join(sorted(types))
    return UploadRefused(
        f"{name or 'the file'} is not one of: {accepted}",
        code=MediaCode.MEDIA_UNSUPPORTED_TYPE,
        status=400,
        detail={"file": name or "", "accepted": sorted(types)},
    )
