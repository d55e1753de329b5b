"""Settings of the peer project: django-eventstream with DjangoModelStorage.

Environment: PEER_SECRET_KEY, PEER_DATABASE_URL (PostgreSQL or SQLite), PEER_NOTIFY_TOKEN,
DB_POOL_MIN_SIZE / DB_POOL_MAX_SIZE / DB_POOL_TIMEOUT (as in the app: PostgreSQL through
Django's connection pool).
"""

import os

import dj_database_url

SECRET_KEY = os.environ["PEER_SECRET_KEY"]
PEER_NOTIFY_TOKEN = os.environ["PEER_NOTIFY_TOKEN"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["django_eventstream"]
MIDDLEWARE = ["bench.peer.access.BearerUserMiddleware"]
ROOT_URLCONF = "bench.peer.urls"
ASGI_APPLICATION = "bench.peer.asgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

DATABASES = {"default": dj_database_url.parse(os.environ["PEER_DATABASE_URL"])}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        }
    }
else:
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Events are written to the database before they are published (replay on reconnect).
EVENTSTREAM_STORAGE_CLASS = "django_eventstream.storage.DjangoModelStorage"
EVENTSTREAM_CHANNELMANAGER_CLASS = "bench.peer.access.UserChannelManager"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
