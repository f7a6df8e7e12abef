"""One error body for the whole API.

Every failure answers `{"error": {"code": ..., "message": ..., "detail": {...}}}`. `code` is a
stable machine-readable value from ErrorCode: clients branch on it, never on the message. Services
raise DomainError subclasses; DRF's own exceptions are translated here; anything else is left to
Django's 500 handling (see `server_error`), so a bug is never disguised as a client error.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, InterfaceError, OperationalError, models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

from config.codes import MediaCode
from config.uploads import UploadRefused

logger = logging.getLogger(__name__)


class ErrorCode(models.TextChoices):
    MALFORMED_JSON = "malformed_json", "The request body is not valid JSON"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "The request body has an unsupported type"
    VALIDATION_FAILED = "validation_failed", "One or more fields are invalid"
    NOT_AUTHENTICATED = "not_authenticated", "Authentication credentials were not provided"
    INVALID_TOKEN = "invalid_token", "The API token is unknown, malformed or revoked"
    PERMISSION_DENIED = "permission_denied", "You may not perform this action"
    NOT_FOUND = "not_found", "No such object, or not one you may see"
    METHOD_NOT_ALLOWED = "method_not_allowed", "This method is not allowed here"
    NOT_ACCEPTABLE = "not_acceptable", "No acceptable representation"
    THROTTLED = "throttled", "Too many requests"
    CONFLICT = "conflict", "The request conflicts with the current state"
    BAD_REQUEST = "bad_request", "The request is malformed"
    INVALID_ID = "invalid_id", "An id in the path is not a valid id"
    REQUEST_TOO_LARGE = "request_too_large", "The request body is larger than this server accepts"
    INTERNAL_ERROR = "internal_error", "An unexpected error occurred"
    DATABASE_UNAVAILABLE = "database_unavailable", "The database cannot be reached; try again shortly"
    STORAGE_UNAVAILABLE = "storage_unavailable", "File storage cannot be reached; try again shortly"
    STORAGE_FULL = "storage_full", "File storage is full; nothing was stored"


class DomainError(Exception):
    """A refusal raised by a service; carries its HTTP status and a stable code."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, *, code: str | None = None, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail: dict[str, Any] = detail or {}


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code: str = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code: str = ErrorCode.PERMISSION_DENIED


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code: str = ErrorCode.CONFLICT


class Invalid(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST
    code: str = ErrorCode.VALIDATION_FAILED


# Ids in paths are 64-bit integers in the database; a larger number is a malformed id, not a lookup.
_MAX_ROW_ID = 2**63 - 1


def row_id(value: int, *, field: str) -> int:
    """`value` if it can name a database row, else a 400 `invalid_id` (SQLite raised OverflowError)."""
    if not 0 < value <= _MAX_ROW_ID:
        raise Invalid(f"{field} must be a positive 64-bit integer", code=ErrorCode.INVALID_ID, detail={"field": field})
    return value


class Unavailable(DomainError):
    """A service the request needs (database, storage) is down; nothing was changed. Retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code: str = ErrorCode.STORAGE_UNAVAILABLE
    retry_after_seconds = 5


class InsufficientStorage(DomainError):
    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    code: str = ErrorCode.STORAGE_FULL
    retry_after_seconds = 60


# Every stable code the API may answer with, by the app that owns it: ErrorCode here, and each app's
# own enumeration (e.g. the licence gate's refusal reasons) registered from its AppConfig.ready().
# The OpenAPI schema (config/openapi.py) publishes this registry, so clients can see every code.
_registered_codes: dict[str, dict[str, str]] = {}


def register_codes(app: str, codes: type[models.TextChoices]) -> None:
    _registered_codes.setdefault(app, {}).update({str(value): str(label) for value, label in codes.choices})


register_codes("config", ErrorCode)
register_codes("config", MediaCode)


def registered_codes() -> dict[str, dict[str, str]]:
    """{app: {code: description}} for every registered enumeration, in registration order."""
    return {app: dict(codes) for app, codes in _registered_codes.items()}


def error_body(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": str(code), "message": message, "detail": detail or {}}}


def database_is_unreachable(exc: BaseException) -> bool:
    """True for a lost or refused database connection (restart, network cut), not for a bad query.

    psycopg reports both as OperationalError, so a connection that Django can no longer use (or an
    InterfaceError: "connection already closed") is what tells them apart.
    """
    from django.db import connection

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if connection.vendor == "sqlite":
        return False  # "database is locked" and friends: the file is there, so it is a bug or a busy writer
    try:
        return connection.connection is None or connection.connection.closed or connection.connection.broken
    except AttributeError:
        return True


# Most specific first: NotAuthenticated and AuthenticationFailed are both 401s but mean different things.
_DRF_CODES: list[tuple[type[drf_exceptions.APIException], str]] = [
    (drf_exceptions.ParseError, ErrorCode.MALFORMED_JSON),
    (drf_exceptions.AuthenticationFailed, ErrorCode.INVALID_TOKEN),
    (drf_exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (drf_exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (drf_exceptions.NotFound, ErrorCode.NOT_FOUND),
    (drf_exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (drf_exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (drf_exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (drf_exceptions.Throttled, ErrorCode.THROTTLED),
    (drf_exceptions.ValidationError, ErrorCode.VALIDATION_FAILED),
]


def _drf_code(exc: drf_exceptions.APIException) -> str:
    return next((code for kind, code in _DRF_CODES if isinstance(exc, kind)), ErrorCode.BAD_REQUEST)


def _drf_detail(exc: drf_exceptions.APIException) -> tuple[str, dict[str, Any]]:
    if isinstance(exc, drf_exceptions.ValidationError):
        full = exc.detail
        fields = full if isinstance(full, dict) else {"non_field_errors": full}
        return ErrorCode.VALIDATION_FAILED.label, {"fields": _plain(fields)}
    return str(exc.detail), {}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here so that pure modules can raise DomainError without Django being set up.
    from rest_framework.views import set_rollback

    if isinstance(exc, DomainError):
        set_rollback()
        retry = getattr(exc, "retry_after_seconds", None)
        retry_headers = {"Retry-After": str(retry)} if retry else None
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status_code, headers=retry_headers)
    if isinstance(exc, DatabaseError) and database_is_unreachable(exc):
        # A restart or network cut of the database is not a bug: the client gets a 503 it can retry
        # (the transaction was rolled back with the connection, so nothing was half-written).
        logger.warning("database unreachable: %s", type(exc).__name__)
        body = error_body(ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.DATABASE_UNAVAILABLE.label)
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    if isinstance(exc, UploadRefused):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's upload limits (DATA_UPLOAD_MAX_MEMORY_SIZE and friends) raise these while the body
        # is parsed; without this they became Django's HTML 400 page instead of the API's error body.
        set_rollback()
        body = error_body(ErrorCode.REQUEST_TOO_LARGE, str(exc) or ErrorCode.REQUEST_TOO_LARGE.label)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(ErrorCode.NOT_FOUND.label)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        return None  # Unknown: Django answers 500 through server_error below.
    set_rollback()
    if isinstance(exc, drf_exceptions.ParseError):
        message, detail = "The request body is not valid JSON", {"reason": str(exc.detail)}
    else:
        message, detail = _drf_detail(exc)
    headers: dict[str, str] = {}
    if (auth_header := getattr(exc, "auth_header", None)) is not None:
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(int(wait))
    return Response(error_body(_drf_code(exc), message, detail), status=exc.status_code, headers=headers)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path in {"/healthz", "/readyz"}


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The API's JSON error body; for a page, the site's own 404.html in the reader's language."""
    if _wants_json(request):
        return JsonResponse(error_body(ErrorCode.NOT_FOUND, "No such endpoint"), status=404)
    from django.views.defaults import page_not_found as django_page_not_found

    return django_page_not_found(request, exception or Http404())


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(ErrorCode.PERMISSION_DENIED, ErrorCode.PERMISSION_DENIED.label), status=403)
    from django.views.defaults import permission_denied as django_permission_denied

    return django_permission_denied(request, exception or DjangoPermissionDenied())


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error_body(ErrorCode.INTERNAL_ERROR, "An unexpected error occurred; it has been logged"),
            status=500,
        )
    from django.views.defaults import server_error as django_server_error

    # 500.html needs neither the request nor the database (either may be what failed).
    return django_server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (it was open too long, or cookies are off), said in plain
    words in the reader's language with a way back. Renders without the database or the signed-in
    user (like 500.html), so the page shows even when the session could not be read."""
    logger.info("csrf check failed: %s", reason)
    if _wants_json(request):
        return JsonResponse(error_body(ErrorCode.PERMISSION_DENIED, "CSRF check failed; reload and retry"), status=403)
    from django.template import loader

    page = loader.get_template("403_csrf.html").render({"again": _page_the_form_was_on(request)})
    return HttpResponse(page, status=403)


def _page_the_form_was_on(request: HttpRequest) -> str:
    """Where the refused form was (the Referer, when it is this site), else the address it was sent to."""
    from django.core.exceptions import DisallowedHost
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    try:
        ours = url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure())
    except DisallowedHost:
        ours = False
    return referer if referer and ours else request.get_full_path()
