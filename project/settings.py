"""The one settings module. Everything deploy-specific comes from the environment.

The defaults are the embedded stack (SQLite, the in-memory channel layer, local files,
the local transcoder), so a fresh clone runs with no services. See README.md, "Settings".
"""

import base64
import os
import secrets
import tempfile
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float, *, was: str = "") -> float:
    value = _env(name, was)
    return float(value) if value else default


def _env(name: str, was: str) -> str | None:
    """The environment's `name`, else its deprecated former name `was`, still read (with a
    warning at start-up) so a deployment that sets the old name keeps its value."""
    value = os.environ.get(name)
    if not value and was and (value := os.environ.get(was)):
        warnings.warn(f"{was} is deprecated; set {name} instead", FutureWarning, stacklevel=3)
    return value


DEBUG = env_bool("DEBUG")

# A development checkout gets a random key of its own: the first start with DEBUG on
# (`make run` migrates with DEBUG=1) writes it to this git-ignored file, and every later
# command in that checkout (`manage.py notify`, `createsuperuser`, DEBUG off or not)
# reads it. A production checkout never ran with DEBUG on, has no such file, and refuses
# to start without SECRET_KEY. Random per checkout, so never a key published anywhere.
DEV_SECRET_KEY_FILE = BASE_DIR / ".dev-secret-key"


def development_secret_key(path: Path, *, create: bool) -> str:
    """The key stored at `path`; when absent, a new one if `create`, else ""."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        if not create:
            return ""
    key = secrets.token_urlsafe(50)
    try:
        # O_EXCL: two processes starting at once keep the first one's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "") or development_secret_key(
    DEV_SECRET_KEY_FILE, create=DEBUG
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (a development checkout gets one "
        "from its first `make run`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDRs,
# comma-separated; project/forwarded.py). The client is the right-most hop that is not one
# of them. Behind a platform router, set its range (e.g. 10.0.0.0/8).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

# Behind a TLS-terminating proxy (Heroku, a load balancer): trust its header.
if env_bool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SECURE_COOKIES says the site is served over HTTPS: cookies on HTTPS only, plain HTTP
# redirected to HTTPS, and browsers told to stay on HTTPS (HSTS) for a year.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0)
# Prometheus usually scrapes each process directly, over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
# A strict Content-Security-Policy (project/csp.py): scripts, styles, sockets and
# workers from this origin only; no inline script or style attribute anywhere.
CSP_EXTRA_CONNECT_SRC = env_list("CSP_EXTRA_CONNECT_SRC")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "accounts",
    "notifications",
    "inbox",
    # Snooze: its wake_snoozed command (no models of its own).
    "snooze",
    # Fan-outs too big for one request: FanOutJob and the fanout_jobs command.
    "fanout",
    # A user's data out and gone: export and erase (its admin actions on users).
    "userdata",
    # What reaches a user with no tab open: Web Push and the email digest.
    "offline",
    "uploads",
    "webhooks",
    "consumers",
    "outbound",
    "api",
    # django-ninja: its Swagger UI files for /api/docs, served from /static/ (no CDN).
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the Accept-Language header (or LANGUAGE_CODE); the signed-in
    # user's own setting overrides it below (accounts/locale.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.locale.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.csp.content_security_policy",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inbox.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server's threads read while the transcoder writes; IMMEDIATE avoids
    # "database is locked" on read-then-write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not the default shared in-memory database, whose table locks ignore the
    # busy timeout: tests of concurrent writers then see what the app sees.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"notifications-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a thread of its own, so persistent connections
    # (CONN_MAX_AGE) leak one per request until PostgreSQL refuses more. A pool returns
    # each request's connection when it ends.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The pool tests each connection it hands out: after a database outage it would
    # otherwise give requests dead connections.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The bound on this process's connections: processes x DB_POOL_MAX_SIZE must stay under
    # PostgreSQL's max_connections, or a pooler goes in between (docs/deploy.md).
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 20),
            # Waiting for a connection must end well inside SNS's 15 s request timeout.
            "timeout": env_float("DB_POOL_TIMEOUT", 5.0),
        }
    }
    # DB_POOLER=pgbouncer: DATABASE_URL points at PgBouncer in transaction mode, where a
    # cursor cannot outlive its transaction (each transaction may get another server
    # connection), so Django's server-side cursors are off.
    DB_POOLER = os.environ.get("DB_POOLER", "")
    if DB_POOLER not in {"", "pgbouncer"}:
        raise ImproperlyConfigured("DB_POOLER must be unset or 'pgbouncer'.")
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DB_POOLER == "pgbouncer"

# One URL, or several comma-separated: channels-redis then shards the layer over them
# (each channel and group hashed to one server; every process must list the same URLs
# in the same order). docs/deploy.md sizes the shards.
REDIS_URLS = env_list("REDIS_URL")
if REDIS_URLS:
    # The pub/sub layer: one PUBLISH per group_send (group_send_many pipelines a batch,
    # one round trip per shard) and no silent capacity drops. It delivers at most once;
    # clients heal from the database (see docs/protocol.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "live.layers.PipelinedPubSubLayer",
            # Pub/sub channels are global to a Redis server, whatever the database number:
            # deployments (or test runs) sharing one Redis keep apart by prefix.
            "CONFIG": {"hosts": REDIS_URLS, "prefix": os.environ.get("REDIS_PREFIX", "asgi")},
        }
    }
else:
    # Single process only: pushes never leave this process. Messages are shared, not
    # copied, so a queued frame costs a socket one pointer: a deep queue is cheap, and
    # only a socket 1,000 frames behind misses one (it heals on its next sync).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "live.layers.LocalChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages (docs/i18n.md): the site's default, and those with a catalogue in locale/.
# A visitor gets the first of Accept-Language's that is listed, a signed-in user the one
# on their account page. Names are each language's own, as a language menu shows them.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("pl", "Polski"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
# The zone of pages and emails for users who set none on their account page (pages with
# JavaScript show the browser's own then).
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only for deployments that run collectstatic; the finders serve everything otherwise.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
# Serve straight from the finders: no collectstatic step to forget on a fresh clone.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Notifications and the WebSocket protocol (docs/protocol.md) ---
NOTIFICATIONS_SYNC_LIMIT = env_int("NOTIFICATIONS_SYNC_LIMIT", 100)
# A send to the channel layer (a frame to users' sockets, a socket joining or leaving its
# group) that takes longer than this many seconds is given up and logged: the message is
# saved, and clients get it on their next sync. Formerly NOTIFICATIONS_PUSH_TIMEOUT ("push"
# is Web Push's word now), still read, deprecated.
NOTIFICATIONS_SEND_TIMEOUT = env_float(
    "NOTIFICATIONS_SEND_TIMEOUT", 2.0, was="NOTIFICATIONS_PUSH_TIMEOUT"
)
NOTIFICATIONS_MAX_FRAME_BYTES = env_int("NOTIFICATIONS_MAX_FRAME_BYTES", 8192)
NOTIFICATIONS_MAX_ACK_IDS = env_int("NOTIFICATIONS_MAX_ACK_IDS", 500)
# Inbox pages and API lists: rows per page when the client does not ask (at most 100).
NOTIFICATIONS_PAGE_SIZE = env_int("NOTIFICATIONS_PAGE_SIZE", 25)
# Snooze (snooze/services.py): each server process wakes snoozed messages on time
# (a thread); `manage.py wake_snoozed --every N` does it from a worker either way. The
# thread looks for snoozes set elsewhere at least every CHECK_INTERVAL seconds.
NOTIFICATIONS_SNOOZE_IN_PROCESS = env_bool("NOTIFICATIONS_SNOOZE_IN_PROCESS", True)
NOTIFICATIONS_SNOOZE_CHECK_INTERVAL = env_float("NOTIFICATIONS_SNOOZE_CHECK_INTERVAL", 30.0)
# Toasts: most shown at once (the rest behind "+K more"), seconds before an info toast
# hides in its tab (0: never), and a burst (more than COUNT within WINDOW seconds)
# shown as one summary toast.
NOTIFICATIONS_TOAST_LIMIT = env_int("NOTIFICATIONS_TOAST_LIMIT", 5)
NOTIFICATIONS_TOAST_HIDE_SECONDS = env_float("NOTIFICATIONS_TOAST_HIDE_SECONDS", 8.0)
NOTIFICATIONS_BURST_COUNT = env_int("NOTIFICATIONS_BURST_COUNT", 3)
NOTIFICATIONS_BURST_WINDOW = env_float("NOTIFICATIONS_BURST_WINDOW", 2.0)
# `manage.py purge_notifications` deletes read messages older than this many days.
NOTIFICATIONS_RETENTION_DAYS = env_int("NOTIFICATIONS_RETENTION_DAYS", 90)
# Shared secret for server-to-server POST /api/notify/; unset turns that endpoint off.
NOTIFY_SERVICE_TOKEN = os.environ.get("NOTIFY_SERVICE_TOKEN", "")
# Client frames per second per socket, and the burst allowed above that.
NOTIFICATIONS_RATE = env_float("NOTIFICATIONS_RATE", 10.0)
NOTIFICATIONS_RATE_BURST = env_int("NOTIFICATIONS_RATE_BURST", 30)
# Writes waiting for the batching writer (notifications/writer.py) in one process; past
# it the webhook and the notify API answer 503 with Retry-After instead of queueing.
NOTIFICATIONS_WRITER_QUEUE = env_int("NOTIFICATIONS_WRITER_QUEUE", 2000)
# Seconds a socket's ack may wait in the batching writer to share a batch with the next
# delivery or other acks (notifications.writer); 0 writes each at once.
NOTIFICATIONS_ACK_GATHER = env_float("NOTIFICATIONS_ACK_GATHER", 0.05)
# Seconds a refused producer is told to wait (Retry-After).
NOTIFICATIONS_RETRY_AFTER = env_int("NOTIFICATIONS_RETRY_AFTER", 5)
# The server's edge (project/server.py, under daphne): the listen backlog; TCP
# connections one client address may hold (TRUSTED_PROXIES exempt); seconds a request
# may take to arrive in full, plus its declared body at the minimum rate (bytes/s).
SERVER_LISTEN_BACKLOG = env_int("SERVER_LISTEN_BACKLOG", 4096)
# Connections accepted per turn of the event loop (0: Twisted's own, which grows without
# bound under a crowd); the rest wait in the listen queue, which costs the process nothing.
SERVER_ACCEPTS_PER_TURN = env_int("SERVER_ACCEPTS_PER_TURN", 16)
SERVER_MAX_CONNECTIONS_PER_ADDRESS = env_int("SERVER_MAX_CONNECTIONS_PER_ADDRESS", 200)
SERVER_REQUEST_TIMEOUT = env_float("SERVER_REQUEST_TIMEOUT", 20.0)
SERVER_MIN_BODY_RATE = env_int("SERVER_MIN_BODY_RATE", 16384)

# Admission control (project/admission.py, project/handshakes.py): refuse at the door,
# before any signature check, Redis or database work, while the event loop runs more
# than ADMISSION_MAX_LAG seconds late, or past these counts in flight per process.
ADMISSION_MAX_LAG = env_float("ADMISSION_MAX_LAG", 0.5)
ADMISSION_HTTP_IN_FLIGHT = env_int("ADMISSION_HTTP_IN_FLIGHT", 256)  # SNS + notify API
# Handshakes in flight: as many as the process finishes in ADMISSION_HANDSHAKE_WAIT
# seconds (measured), never fewer than ADMISSION_HANDSHAKES_IN_FLIGHT; a wait of 0 keeps
# the bound fixed at that floor.
ADMISSION_HANDSHAKES_IN_FLIGHT = env_int("ADMISSION_HANDSHAKES_IN_FLIGHT", 64)
ADMISSION_HANDSHAKE_WAIT = env_float("ADMISSION_HANDSHAKE_WAIT", 1.0)
# Handshakes per client address: a burst, refilled at a rate per second (4429 past it).
ADMISSION_HANDSHAKE_RATE = env_float("ADMISSION_HANDSHAKE_RATE", 5.0)
ADMISSION_HANDSHAKE_BURST = env_int("ADMISSION_HANDSHAKE_BURST", 30)
# Sockets one user may hold open on one server process.
NOTIFICATIONS_MAX_SOCKETS_PER_USER = env_int("NOTIFICATIONS_MAX_SOCKETS_PER_USER", 20)
# Most bytes / frames daphne may hold unsent for one socket whose client does not read;
# past either the socket is closed with 4408 (consumers/backpressure.py).
NOTIFICATIONS_SEND_BUFFER_BYTES = env_int("NOTIFICATIONS_SEND_BUFFER_BYTES", 512 * 1024)
NOTIFICATIONS_SEND_BUFFER_FRAMES = env_int("NOTIFICATIONS_SEND_BUFFER_FRAMES", 1000)
# How often each process probes the channel layer end to end (consumers/watch.py).
NOTIFICATIONS_LAYER_CHECK_INTERVAL = env_float("NOTIFICATIONS_LAYER_CHECK_INTERVAL", 1.0)
# Web Push (docs/inbox.md, "Web Push"): off unless both VAPID keys are set.
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "")
WEBPUSH_DELAY_SECONDS = env_int("WEBPUSH_DELAY_SECONDS", 60)
if (
    WEBPUSH_VAPID_PUBLIC_KEY
    and WEBPUSH_VAPID_PRIVATE_KEY
    and not WEBPUSH_VAPID_SUBJECT.startswith(("mailto:", "https://"))
):
    raise ImproperlyConfigured(
        "WEBPUSH_VAPID_SUBJECT must be a mailto: or https: URL when the VAPID keys are set."
    )
# Email digest of messages left unread (docs/inbox.md, "Email"): `manage.py email_unread`.
# Django's console backend (stdout) unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
# Seconds before an SMTP connection or command is given up (Django's default: never).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "notifications@localhost")
# The folder of Django's file-based backend (EMAIL_BACKEND=...filebased.EmailBackend).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
# A message still unread and unseen this long after it was created is emailed.
NOTIFICATIONS_EMAIL_DELAY_SECONDS = env_int("NOTIFICATIONS_EMAIL_DELAY_SECONDS", 900)
# The site's public origin: links in emails (the message, the inbox, unsubscribe).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set one.")
# Failed bearer tokens (API, sockets, service token) one client address may send within
# the window (seconds) before all of its bearer attempts are refused until it ends.
TOKEN_FAILURE_LIMIT = env_int("TOKEN_FAILURE_LIMIT", 10)
TOKEN_FAILURE_WINDOW = env_float("TOKEN_FAILURE_WINDOW", 60.0)
# Bearer token for GET /metrics (Prometheus); unset: the endpoint answers 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- Uploads and transcoding (uploads/) ---
# docs/uploads.md describes each setting. The defaults need no services: files under
# MEDIA_ROOT, ffmpeg from the imageio-ffmpeg wheel in a thread pool.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# Longest audio accepted: a header can claim hours of samples in a few bytes (a 1 MB WAV
# at 1 Hz is 291 hours), and the transcoder's output grows with the duration, not the size.
UPLOAD_MAX_SECONDS = env_int("UPLOAD_MAX_SECONDS", 3 * 3600)
# Request bodies other than file parts (forms, JSON, webhooks) stay small; file parts
# larger than FILE_UPLOAD_MAX_MEMORY_SIZE spool to a temporary file, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# S3 through django-storages when a bucket is named; credentials come from boto3's own
# chain (an IAM role, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_SIGNATURE_VERSION = "s3v4"
# Private objects only: every read is a presigned URL handed to the owner.
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300)
# How long a presigned POST for a browser-to-S3 upload stays valid, in seconds.
UPLOAD_DIRECT_EXPIRES = env_int("UPLOAD_DIRECT_EXPIRES", 3600)
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# local | mediaconvert (or a dotted path to a backend class).
TRANSCODER_BACKEND = os.environ.get("TRANSCODER_BACKEND", "local")
TRANSCODER_LOCAL_WORKERS = env_int("TRANSCODER_LOCAL_WORKERS", 2)
TRANSCODER_LOCAL_TIMEOUT = env_int("TRANSCODER_LOCAL_TIMEOUT", 900)
# Run local jobs in the committing thread instead of the pool (tests, scripts).
TRANSCODER_LOCAL_INLINE = env_bool("TRANSCODER_LOCAL_INLINE")
TRANSCODER_AWS_REGION = os.environ.get("TRANSCODER_AWS_REGION") or AWS_S3_REGION_NAME
# Optional: MediaConvert now takes requests on its regional endpoint; set this only for
# an account-specific endpoint from the DescribeEndpoints days.
MEDIACONVERT_ENDPOINT_URL = os.environ.get("MEDIACONVERT_ENDPOINT_URL", "")
MEDIACONVERT_ROLE_ARN = os.environ.get("MEDIACONVERT_ROLE_ARN", "")
MEDIACONVERT_QUEUE_ARN = os.environ.get("MEDIACONVERT_QUEUE_ARN", "")
if TRANSCODER_BACKEND == "elastictranscoder":
    # Refused at start rather than failing every upload later; old SNS job messages from
    # it are still read by the webhook.
    raise ImproperlyConfigured(
        "TRANSCODER_BACKEND=elastictranscoder: Elastic Transcoder was removed (AWS ended "
        "the service on 2025-11-13); use local or mediaconvert (docs/uploads.md)."
    )
_TRANSCODER_NEEDS = {
    "mediaconvert": ["AWS_STORAGE_BUCKET_NAME", "MEDIACONVERT_ROLE_ARN"],
}
_missing = [n for n in _TRANSCODER_NEEDS.get(TRANSCODER_BACKEND, []) if not globals()[n]]
if _missing:
    raise ImproperlyConfigured(
        f"TRANSCODER_BACKEND={TRANSCODER_BACKEND} needs {', '.join(_missing)} to be set."
    )

# --- SNS webhook (webhooks/) ---
# Exact TopicArns we accept, comma-separated. Empty: every delivery is refused (403).
SNS_ALLOWED_TOPIC_ARNS = env_list("SNS_ALLOWED_TOPIC_ARNS")
# Oldest Timestamp accepted, in seconds: at least the topic's HTTP retry span (at most
# 3600 s on SNS's side), so retries of a slow delivery are not refused.
SNS_MAX_AGE_SECONDS = env_int("SNS_MAX_AGE_SECONDS", 3600)
# Optional directory of pinned signing certificates, named like the last segment of
# SigningCertURL (SimpleNotificationService-<hex>.pem); a pinned file is never fetched.
SNS_CERT_DIR = os.environ.get("SNS_CERT_DIR", "")
# Seconds for the whole certificate fetch; SNS gives up on us after 15.
SNS_CERT_FETCH_TIMEOUT = env_float("SNS_CERT_FETCH_TIMEOUT", 3.0)
# Parsed certificates kept in memory, by exact URL.
SNS_CERT_CACHE_SIZE = env_int("SNS_CERT_CACHE_SIZE", 32)

# --- Outbound webhooks (outbound/, docs/webhooks-outbound.md) ---
# Where message lifecycle events are POSTed, signed as Standard Webhooks say. Empty: off,
# and the writers store no events at all.
OUTBOUND_WEBHOOK_URL = os.environ.get("OUTBOUND_WEBHOOK_URL", "")
# `whsec_` + base64 of at least 16 random bytes (`python manage.py send_webhooks --new-secret`).
OUTBOUND_WEBHOOK_SECRET = os.environ.get("OUTBOUND_WEBHOOK_SECRET", "")
# Seconds for one POST (connect and answer).
OUTBOUND_WEBHOOK_TIMEOUT = env_float("OUTBOUND_WEBHOOK_TIMEOUT", 10.0)
# Attempts before an event is dead (re-driven from the admin or `redrive_webhooks`); the
# waits between them double from RETRY_BASE up to RETRY_MAX seconds, with jitter: the
# defaults retry for about 17 hours.
OUTBOUND_WEBHOOK_MAX_ATTEMPTS = env_int("OUTBOUND_WEBHOOK_MAX_ATTEMPTS", 20)
OUTBOUND_WEBHOOK_RETRY_BASE = env_float("OUTBOUND_WEBHOOK_RETRY_BASE", 5.0)
OUTBOUND_WEBHOOK_RETRY_MAX = env_float("OUTBOUND_WEBHOOK_RETRY_MAX", 3600.0)
# Delivered events are kept this many days (the admin shows them), then deleted.
OUTBOUND_WEBHOOK_KEEP_DAYS = env_int("OUTBOUND_WEBHOOK_KEEP_DAYS", 7)
# Deliver from each server process right after commit (a thread woken by the commit);
# `manage.py send_webhooks --every 5` is the backstop either way.
OUTBOUND_WEBHOOK_IN_PROCESS = env_bool("OUTBOUND_WEBHOOK_IN_PROCESS", True)
# Tests and development only: let the URL resolve to loopback. Private addresses are
# refused otherwise, as for Web Push.
OUTBOUND_WEBHOOK_ALLOW_LOOPBACK = env_bool("OUTBOUND_WEBHOOK_ALLOW_LOOPBACK")
if OUTBOUND_WEBHOOK_URL:
    if not OUTBOUND_WEBHOOK_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured("OUTBOUND_WEBHOOK_URL must be an http(s) URL.")
    if (
        not OUTBOUND_WEBHOOK_SECRET.startswith("whsec_")
        or len(base64.b64decode(OUTBOUND_WEBHOOK_SECRET[6:] + "==")) < 16
    ):
        raise ImproperlyConfigured(
            "OUTBOUND_WEBHOOK_SECRET must be set (whsec_<base64>) when OUTBOUND_WEBHOOK_URL is."
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"cancelled_cleanup": {"()": "project.logfilters.CancelledChannelCleanup"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "channels_redis.pubsub": {"filters": ["cancelled_cleanup"]},
    },
}

# --- Limits against one user or one client stalling everyone (docs/reliability.md) ---
# Messages one bulk change (mark all read, a fan-out job's step) writes per transaction:
# each slice commits on its own, so no lock is held for the whole job.
NOTIFICATIONS_BULK_SLICE = env_int("NOTIFICATIONS_BULK_SLICE", 1000)
# PostgreSQL: seconds a batch of the batching writer may wait for a row lock held outside
# it (a user's long write); past it the batch runs job by job, and a job still waiting
# fails alone (its producer answers 503), so other users' jobs go through.
NOTIFICATIONS_WRITER_LOCK_TIMEOUT = env_float("NOTIFICATIONS_WRITER_LOCK_TIMEOUT", 1.0)
# Test notifications (POST /notifications/test/) one user may send per window (seconds).
NOTIFICATIONS_TEST_LIMIT = env_int("NOTIFICATIONS_TEST_LIMIT", 30)
NOTIFICATIONS_TEST_WINDOW = env_float("NOTIFICATIONS_TEST_WINDOW", 60.0)
# Seconds between each process's re-check of its sockets' sessions (consumers/sessions.py):
# a socket whose session expired or was deleted with no signal closes within this. 0: off.
NOTIFICATIONS_SESSION_CHECK_INTERVAL = env_float("NOTIFICATIONS_SESSION_CHECK_INTERVAL", 300.0)
# Seconds between two `sync` frames a socket may ask for; requests meanwhile are answered
# by one sync when the interval ends (consumers/resync.py).
NOTIFICATIONS_SYNC_INTERVAL = env_float("NOTIFICATIONS_SYNC_INTERVAL", 2.0)
# Seconds between the comments an event stream (the socket's Server-Sent Events fallback,
# consumers/eventstream.py) sends while quiet, so proxies do not time the response out.
NOTIFICATIONS_SSE_HEARTBEAT = env_float("NOTIFICATIONS_SSE_HEARTBEAT", 15.0)
# Failed password log-ins one client address may make within the window (seconds), per
# process; then its log-ins get 429 until the window ends (accounts/login.py).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW = env_float("LOGIN_FAILURE_WINDOW", 300.0)
# `POST /api/notify/` to more recipients than this is accepted as a job (202 and a status
# URL) and written in steps (fanout/jobs.py), not in the request.
NOTIFY_FANOUT_INLINE_MAX = env_int("NOTIFY_FANOUT_INLINE_MAX", 1000)
# Files one user may have unfinished (uploaded, queued, being transcoded) at once; past
# it an upload is refused with 429 before its body is read (uploads/views.py).
UPLOAD_MAX_UNFINISHED_PER_USER = env_int("UPLOAD_MAX_UNFINISHED_PER_USER", 3)
