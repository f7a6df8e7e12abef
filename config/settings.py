"""Django settings, read from environment variables with documented defaults.

With no variables set the platform runs on the embedded defaults: SQLite in WAL mode, media on the
local disk, Celery tasks executed inline and a development secret generated once and kept under
DATA_DIR. Every variable is documented in deploy/env.example; a malformed value stops start-up.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_optional, env_str

# Lets `admin.ModelAdmin[Model]` and friends be written with type parameters at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# audit_record refuses to write for a product module that holds no transaction of its own (tests turn it on).
AUDIT_REQUIRE_TRANSACTION = env_bool("AUDIT_REQUIRE_TRANSACTION", DEBUG)
# The production switch (deploy/OPERATIONS.md): a real SECRET_KEY and ALLOWED_HOSTS are required, HTTPS
# is enforced (redirect, HSTS, secure cookies), logs are JSON and missing keys are errors, not new keys.
PRODUCTION = env_bool("PRODUCTION", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when PRODUCTION is true")


def _load_or_create_dev_secret(path: Path) -> str:
    # Generated once and kept, so sessions and signed cookies survive restarts of a dev instance.
    if path.exists():
        value = path.read_text().strip()
        if len(value) < 50:
            raise ImproperlyConfigured(f"{path} holds a secret shorter than 50 characters")
        return value
    value = secrets.token_urlsafe(64)
    path.touch(mode=0o600)
    path.write_text(value)
    return value


if PRODUCTION and env_optional("SECRET_KEY") is None:
    raise ImproperlyConfigured("PRODUCTION requires SECRET_KEY (at least 50 random characters)")
SECRET_KEY = env_optional("SECRET_KEY") or _load_or_create_dev_secret(DATA_DIR / "dev-secret-key")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

if PRODUCTION and env_optional("ALLOWED_HOSTS") is None:
    raise ImproperlyConfigured("PRODUCTION requires ALLOWED_HOSTS (the host names this instance answers for)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_COOKIES = env_bool("SECURE_COOKIES", PRODUCTION)
# HTTPS: redirect plain http (probes and the metrics scrape are exempt), HSTS. Off by default;
# on under PRODUCTION. Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it
# from clients), set TRUST_X_FORWARDED_PROTO=true or every request redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# A refused form gets the site's own page in the reader's language (no database needed).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy and Permissions-Policy on every response (config/security_headers.py).
SECURITY_HEADERS = env_bool("SECURITY_HEADERS", PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The platform's apps, in their dependency order: each imports only from those above it.
    "audit",
    "accounts",
    "likeness",
    "licensing",
    "render",
    # Server-rendered pages over the services of every app above (it may import them all).
    "web",
]
# A checkout's tooling (`manage.py bench`, `manage.py demo`): above every app, never imported by them,
# and absent from the image, which runs without it.
if (BASE_DIR / "tools" / "apps.py").is_file():
    INSTALLED_APPS.append("tools")

MIDDLEWARE = [
    "config.requestid.RequestIdMiddleware",
    # /healthz and /readyz on any Host header (the kubelet's pod IP); before anything that checks it.
    "config.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Lets several test runs share one machine without sharing a test database.
TEST_DB_SUFFIX = env_str("TEST_DB_SUFFIX", "")


def _database_from_env() -> dict[str, Any]:
    url = env_optional("DATABASE_URL")
    if url is None:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
                # BEGIN so two transactions never deadlock upgrading read locks to write locks.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A file, not the in-memory default: tests of concurrent writers need real WAL locking.
            "TEST": {"NAME": str(DATA_DIR / f"test-db{TEST_DB_SUFFIX}.sqlite3")},
        }
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported; use postgres:// (or unset it for SQLite)"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database")
    config["TEST"] = {"NAME": f"test_{config['NAME']}{TEST_DB_SUFFIX}"}
    # Django's backend, whose COMMIT can carry the statement the audit trail runs right after it.
    config["ENGINE"] = "config.postgresql"
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# Pages are in English with Chinese (simplified) as the second language; the translations live in
# web/locale (compiled .mo committed; recompile with `python manage.py compilemessages`).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# One catalogue for every app (model labels, scope sentences, pages): web/locale.
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve app static files (admin, API docs) straight from the packages until `collectstatic` has run.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()

# Storage: local files by default; S3 (any S3-compatible server) when S3_BUCKET is set.
S3_BUCKET = env_optional("S3_BUCKET")
if S3_BUCKET is None:
    STORAGES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT)},
        },
    }
else:
    STORAGES = {
        "default": {
            # django-storages' S3 storage; download links are presigned for S3_PUBLIC_ENDPOINT_URL.
            "BACKEND": "config.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": env_optional("S3_ENDPOINT_URL"),
                # The address clients outside reach the bucket at (unset: S3_ENDPOINT_URL).
                "public_endpoint_url": env_optional("S3_PUBLIC_ENDPOINT_URL"),
                "region_name": env_str("S3_REGION", "us-east-1"),
                "access_key": env_optional("AWS_ACCESS_KEY_ID"),
                "secret_key": env_optional("AWS_SECRET_ACCESS_KEY"),
                "addressing_style": env_choice("S3_ADDRESSING_STYLE", "path", {"path", "virtual", "auto"}),
                "signature_version": "s3v4",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_expire": env_int("S3_URL_EXPIRY_SECONDS", 300, minimum=10, maximum=604800),
            },
        },
    }
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}

# Celery: with no broker the tasks run inline in the calling process (the embedded default).
CELERY_BROKER_URL = env_optional("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_optional("CELERY_RESULT_BACKEND")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 5, minimum=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Redis brokers: a task delivered but not acknowledged within this many seconds (its worker died)
# is handed to another worker, and workers look for such tasks every min(10, timeout/2) seconds.
# Renders are safe to deliver twice (render/execution.py), so this may be far below Redis's hour.
BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 2)),
    "unacked_restore_throttle": 1,
}
# Two queues, so a flood of long renders never delays revocations, webhooks, sweeps or checkpoints:
# renders go to `renders`, everything else to `default`. Run workers for each (deploy/OPERATIONS.md).
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUE_NAMES = ["default", "renders"]
CELERY_TASK_ROUTES = {"render.tasks.render_job_run": {"queue": "renders"}}
# Hard and soft limits (seconds): short tasks get CELERY_TASK_*; renders their own, longer ones.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=5)
RENDER_TIME_LIMIT = env_int("RENDER_TIME_LIMIT", 3600, minimum=30)
RENDER_SOFT_TIME_LIMIT = env_int("RENDER_SOFT_TIME_LIMIT", 3300, minimum=20)
CELERY_TASK_ANNOTATIONS = {
    "render.tasks.render_job_run": {"time_limit": RENDER_TIME_LIMIT, "soft_time_limit": RENDER_SOFT_TIME_LIMIT}
}
# Processes per render worker (`celery worker -Q renders --concurrency`): renders are CPU-bound.
RENDER_WORKER_CONCURRENCY = env_int("RENDER_WORKER_CONCURRENCY", 1, minimum=1, maximum=64)
# Workers log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The audit log's signing key (Ed25519, PKCS#8 PEM) for checkpoints (signed tree heads). The
# embedded default generates one under DATA_DIR once; in production point at the operator's key
# and set AUDIT_SIGNING_KEY_GENERATE=false so a missing key is an error, not a new identity.
AUDIT_SIGNING_KEY_FILE = Path(env_str("AUDIT_SIGNING_KEY_FILE", str(DATA_DIR / "audit-signing-key.pem")))
AUDIT_SIGNING_KEY_GENERATE = env_bool("AUDIT_SIGNING_KEY_GENERATE", not PRODUCTION)
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", 300, minimum=10)
# A checkpoint is also made (on commit, as a task) by the append whose seq is a multiple of this, so
# at most this many entries (plus those appended while it is made) are ever outside a signed head.
AUDIT_CHECKPOINT_EVERY_ENTRIES = env_int("AUDIT_CHECKPOINT_EVERY_ENTRIES", 100, minimum=1)
# Retired audit public keys, one JWK file each with its validity period (written by
# `manage.py audit_key_retire`): configuration, not the database, so a database writer cannot add a
# key that checkpoints would then be trusted under. Mount it read-only next to the key file.
AUDIT_PUBLIC_KEYS_DIR = Path(env_str("AUDIT_PUBLIC_KEYS_DIR", str(DATA_DIR / "audit-public-keys")))
# Where checkpoints are written outside the database: a prefix in the default storage (the bucket).
AUDIT_CHECKPOINT_PREFIX = env_str("AUDIT_CHECKPOINT_PREFIX", "audit/checkpoints")
CELERY_BEAT_SCHEDULE = {
    "audit-checkpoint": {
        "task": "audit.tasks.audit_checkpoint_task",
        "schedule": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS),
    },
}

# Licensing: the platform's licence-signing key (Ed25519, PKCS#8 PEM), separate from the audit key.
# The keys licences verify under are pinned from configuration, never the database: this file's key
# and the retired public keys (one JWK file each) in LICENSE_PUBLIC_KEYS_DIR, which `keys rotate
# license` writes before it replaces the file. Mount that folder read-only next to the key file.
LICENSE_SIGNING_KEY_FILE = Path(env_str("LICENSE_SIGNING_KEY_FILE", str(DATA_DIR / "license-signing-key.pem")))
LICENSE_PUBLIC_KEYS_DIR = Path(env_str("LICENSE_PUBLIC_KEYS_DIR", str(DATA_DIR / "license-public-keys")))
LICENSE_SIGNING_KEY_GENERATE = env_bool("LICENSE_SIGNING_KEY_GENERATE", not PRODUCTION)
# 32 random bytes (base64) that encrypt custodial owner keys and webhook secrets at rest (AES-GCM).
LICENSE_KEY_ENCRYPTION_KEY_FILE = Path(
    env_str("LICENSE_KEY_ENCRYPTION_KEY_FILE", str(DATA_DIR / "license-key-encryption-key"))
)
LICENSE_EXPIRY_INTERVAL_SECONDS = env_int("LICENSE_EXPIRY_INTERVAL_SECONDS", 60, minimum=5)
# Webhooks: https only, except http://127.0.0.1 / localhost when this is true (development, tests).
WEBHOOK_ALLOW_INSECURE_LOOPBACK = env_bool("WEBHOOK_ALLOW_INSECURE_LOOPBACK", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30, minimum=1)
# Active endpoints per organisation or owner: each one is an outbound request per event.
WEBHOOK_MAX_ENDPOINTS = env_int("WEBHOOK_MAX_ENDPOINTS", 10, minimum=1, maximum=100)
CELERY_BEAT_SCHEDULE["license-expire-due"] = {
    "task": "licensing.tasks.license_expire_due_task",
    "schedule": float(LICENSE_EXPIRY_INTERVAL_SECONDS),
}
CELERY_BEAT_SCHEDULE["webhook-retry-due"] = {
    "task": "licensing.tasks.webhook_retry_due_task",
    "schedule": float(WEBHOOK_RETRY_BASE_SECONDS),
}
# Owners hear this many days before a licence on their likeness ends; the check runs this often.
LICENSE_EXPIRING_NOTICE_DAYS = env_int("LICENSE_EXPIRING_NOTICE_DAYS", 7, minimum=1, maximum=90)
LICENSE_EXPIRING_INTERVAL_SECONDS = env_int("LICENSE_EXPIRING_INTERVAL_SECONDS", 3600, minimum=60)
CELERY_BEAT_SCHEDULE["license-expiring-notify"] = {
    "task": "licensing.tasks.license_expiring_notify_task",
    "schedule": float(LICENSE_EXPIRING_INTERVAL_SECONDS),
}

# E-mail (notifications): Django's mail system. The console backend prints them (development);
# production sets the SMTP backend and its host, port, credentials and TLS here.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=120)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Likeness platform <noreply@localhost>")

# Bearer token for GET /metrics (Prometheus); unset: only staff sessions may read it.
METRICS_TOKEN = env_optional("METRICS_TOKEN")

# The platform's public address, written into outputs' manifests (the licence status URL).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Font for the visible label on outputs; unset: the first system font that has every glyph of the
# label (Noto CJK, WenQuanYi Micro Hei, DejaVu Sans). A label no font covers is refused, never boxes.
LABEL_FONT_FILE = env_optional("LABEL_FONT_FILE")

# The secret key of the invisible watermark (32 random bytes, raw). Without it no one can embed or
# read a mark; losing it makes every existing mark unreadable, so operators back it up.
WATERMARK_KEY_FILE = Path(env_str("WATERMARK_KEY_FILE", str(DATA_DIR / "watermark-key")))
# false (production): a missing watermark key is an error, never a fresh key that reads no old mark.
WATERMARK_KEY_GENERATE = env_bool("WATERMARK_KEY_GENERATE", not PRODUCTION)

# C2PA provenance credentials: an ES256 certificate chain (end entity first), its key, and the root
# that verifiers should trust. The embedded default generates them once under DATA_DIR/c2pa.
PROVENANCE_CERT_CHAIN_FILE = Path(env_str("PROVENANCE_CERT_CHAIN_FILE", str(DATA_DIR / "c2pa" / "chain.pem")))
PROVENANCE_KEY_FILE = Path(env_str("PROVENANCE_KEY_FILE", str(DATA_DIR / "c2pa" / "signer-key.pem")))
PROVENANCE_TRUST_ANCHOR_FILE = Path(env_str("PROVENANCE_TRUST_ANCHOR_FILE", str(DATA_DIR / "c2pa" / "root.pem")))
PROVENANCE_GENERATE_CREDENTIALS = env_bool("PROVENANCE_GENERATE_CREDENTIALS", not PRODUCTION)

# Render limits: checked from file headers before any heavy work, each refused with its own code.
RENDER_MAX_UPLOAD_BYTES = env_int("RENDER_MAX_UPLOAD_BYTES", 500 * 1024 * 1024, minimum=1024)
RENDER_MAX_PIXELS = env_int("RENDER_MAX_PIXELS", 40_000_000, minimum=64 * 64)
RENDER_MAX_VIDEO_SECONDS = env_int("RENDER_MAX_VIDEO_SECONDS", 600, minimum=1)
RENDER_MAX_FPS = env_int("RENDER_MAX_FPS", 60, minimum=1)
# A worker holds a running job for this long between heartbeats; after that another may take it over.
RENDER_LEASE_SECONDS = env_int("RENDER_LEASE_SECONDS", 120, minimum=10)
# Attempts a render gets: an outage (storage, database) or a dead worker sends it back to the queue
# until then, and it fails with the outage's code (or `worker_lost`) after the last one.
RENDER_MAX_ATTEMPTS = env_int("RENDER_MAX_ATTEMPTS", 3, minimum=1, maximum=20)
# Backoff before the retry of a job an outage interrupted: this, doubled at each attempt.
RENDER_RETRY_BASE_SECONDS = env_int("RENDER_RETRY_BASE_SECONDS", 30, minimum=1)
# The reaper (render-reap beat task, `manage.py render_reap`) runs this often; it takes over RUNNING
# jobs whose lease ran out more than RENDER_REAP_GRACE_SECONDS ago, sends never-dispatched QUEUED
# jobs after the same grace, and sends again QUEUED jobs dispatched RENDER_REDISPATCH_SECONDS ago
# (a broker restart without persistence loses queued messages).
RENDER_REAP_INTERVAL_SECONDS = env_int("RENDER_REAP_INTERVAL_SECONDS", 30, minimum=1)
RENDER_REAP_GRACE_SECONDS = env_int("RENDER_REAP_GRACE_SECONDS", 30, minimum=0)
RENDER_REDISPATCH_SECONDS = env_int("RENDER_REDISPATCH_SECONDS", 900, minimum=1)
CELERY_BEAT_SCHEDULE["render-reap"] = {
    "task": "render.tasks.render_jobs_reap_task",
    "schedule": float(RENDER_REAP_INTERVAL_SECONDS),
}
# How often (in frames) a long render re-checks that its licence still stands.
RENDER_RECHECK_FRAMES = env_int("RENDER_RECHECK_FRAMES", 25, minimum=1)
# Lifetime of a download link for a render output (local storage; S3 uses S3_URL_EXPIRY_SECONDS).
DOWNLOAD_LINK_SECONDS = env_int("DOWNLOAD_LINK_SECONDS", 300, minimum=10, maximum=86400)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads are checked as they stream (config/uploads.py): a body over its view's limit is refused before
# it is read, a file cut off at the chunk that passes it, and a file of the wrong type at its first
# bytes. Files over 2.5 MB are spooled to a temporary file, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "config.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Public media verification: size and rate limits (anyone may call it, so both are tight), and the
# budget of one verification (render/verification.py): pixels decoded per image or video frame
# (larger JPEGs are decoded at half size, larger PNG/WebP or video frames refused), pixels read in
# all (bounds how many video frames are sampled) and a deadline.
VERIFY_MAX_BYTES = env_int("VERIFY_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
VERIFY_RATE = env_str("VERIFY_RATE", "20/minute")
VERIFY_MAX_DECODED_PIXELS = env_int("VERIFY_MAX_DECODED_PIXELS", 25_000_000, minimum=64 * 64)
VERIFY_MAX_VIDEO_FRAME_PIXELS = env_int("VERIFY_MAX_VIDEO_FRAME_PIXELS", 3840 * 2160, minimum=64 * 64)
VERIFY_WORK_PIXELS = env_int("VERIFY_WORK_PIXELS", 40_000_000, minimum=64 * 64)
VERIFY_DEADLINE_SECONDS = env_int("VERIFY_DEADLINE_SECONDS", 10, minimum=1, maximum=300)
# How many reverse proxies in front of the web processes append to X-Forwarded-For (0: none, so the
# header is ignored and the socket's address is the client's). Rate limits count per client address:
# a header the client wrote itself must never choose it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
ENROL_RATE = env_str("ENROL_RATE", "30/hour")
# Other rate limits (config/throttling.py, web/signin.py): token issuance and render submission per
# user, failed sign-ins per client address and per account (accounts/signin_limits.py).
TOKEN_ISSUE_RATE = env_str("TOKEN_ISSUE_RATE", "30/hour")
RENDER_SUBMIT_RATE = env_str("RENDER_SUBMIT_RATE", "120/minute")
LOGIN_FAILURE_RATE = env_str("LOGIN_FAILURE_RATE", "10/minute")
# Failed sign-ins per account from all addresses together (web and admin): stops distributed guessing.
LOGIN_ACCOUNT_FAILURE_RATE = env_str("LOGIN_ACCOUNT_FAILURE_RATE", "30/hour")

# The cache holds rate-limit counters; with several web processes they must share one (Redis).
CACHE_URL = env_optional("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Likeness licensing platform API",
    "DESCRIPTION": (
        "Consent-and-rights-managed likeness licensing: signed revocable licences, licensed renders "
        "and a tamper-evident audit trail. Authenticate with `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Schema naming hints are not deployment issues: keep them out of `check --deploy` (the schema is
    # validated by tests/test_openapi_and_docs.py).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # The error body, every registered code and the error responses of every operation.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.postprocess_schema"],
}

# LOG_FORMAT json: one JSON object per line with the request id (config/logs.py); plain for humans.
LOG_FORMAT = env_choice("LOG_FORMAT", "json" if PRODUCTION else "plain", {"json", "plain"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})},
}

# Likenesses: face engines, encryption of biometric data, enrolment limits, duplicate search.
# FACE_ENGINE "dlib" is the offline embedded default; "insightface" loads the operator's models from
# FACE_MODEL_DIR, checked against pinned sha256 sums (FACE_MODEL_PINS_FILE to pin other files).
FACE_ENGINE = env_choice("FACE_ENGINE", "dlib", {"dlib", "insightface"})
FACE_MODEL_DIR = Path(env_str("FACE_MODEL_DIR", str(DATA_DIR / "face-models"))).resolve()
FACE_MODEL_PINS_FILE = env_optional("FACE_MODEL_PINS_FILE")
FACE_DET_SIZE = env_int("FACE_DET_SIZE", 640, minimum=32, maximum=4096)
FACE_SEARCH_INDEX = env_choice("FACE_SEARCH_INDEX", "auto", {"auto", "exact", "quantised", "bounded", "ivf", "hnsw"})
# The key-encryption key that wraps every likeness's data key (likeness/crypto.py).
LIKENESS_KEK = env_optional("LIKENESS_KEK")
LIKENESS_KEK_FILE = Path(env_str("LIKENESS_KEK_FILE", str(DATA_DIR / "likeness-kek.key")))
LIKENESS_KEK_GENERATE = env_bool("LIKENESS_KEK_GENERATE", not PRODUCTION)
LIKENESS_KMS_KEY_ID = env_optional("LIKENESS_KMS_KEY_ID")
# Per-likeness data keys live outside the database (likeness/keystore.py): "file" (one KEK-wrapped
# file per likeness under LIKENESS_KEY_STORE_DIR) or "kms" (one AWS KMS key per likeness). Erasure
# destroys the key; backups of the key store must expire within the retention window (days), which
# is also the KMS deletion window (7-30 days).
LIKENESS_KEY_STORE = env_choice("LIKENESS_KEY_STORE", "file", {"file", "kms"})
LIKENESS_KEY_STORE_DIR = Path(env_str("LIKENESS_KEY_STORE_DIR", str(DATA_DIR / "likeness-keys"))).resolve()
LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS = env_int("LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS", 30, minimum=1)
LIKENESS_PHOTO_MAX_BYTES = env_int("LIKENESS_PHOTO_MAX_BYTES", 15 * 1024 * 1024, minimum=1024)
LIKENESS_PHOTO_MAX_PIXELS = env_int("LIKENESS_PHOTO_MAX_PIXELS", 40_000_000, minimum=10_000)
LIKENESS_FACE_MIN_SIZE = env_int("LIKENESS_FACE_MIN_SIZE", 80, minimum=16)
