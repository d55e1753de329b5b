"""Settings of the floor: the channel layer and nothing else (no apps, no middleware)."""

import os

SECRET_KEY = "bench-floor"  # signs nothing: the floor has no sessions or forms
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
USE_TZ = True
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")],
            "prefix": os.environ.get("REDIS_PREFIX", "floor"),
        },
    }
}
