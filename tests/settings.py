"""The settings tests run with: project.settings, given a key of their own.

project/settings.py refuses to start without SECRET_KEY when DEBUG is off, and tests run
with DEBUG off like production. The key is set here, in the environment, so that the
`manage.py` and server processes the tests start inherit it too.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(32))
# No periodic gc.freeze() in the test process (project/gc_tuning.py): tests that call the
# ASGI app would otherwise start the freezer thread; the servers tests start inherit it.
os.environ.setdefault("GC_FREEZE_INTERVAL", "0")
# Parallel workers (`make test`, pytest-xdist) share one Redis: pub/sub is global to a Redis
# server and every worker's databases number their users from 1, so each worker, and the
# servers it starts, publish under a prefix of their own (pytest-django suffixes the test
# database the same way).
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_PREFIX"] = f"{os.environ.get('REDIS_PREFIX', 'asgi')}-{worker}"
# Nor the snooze clock's thread (snooze/clock.py), which would query the test
# database beside the test; the browser and restart tests of snooze start servers with it.
os.environ.setdefault("NOTIFICATIONS_SNOOZE_IN_PROCESS", "0")

from django.conf import global_settings

from project.settings import *  # noqa: F403

# A password hash in a test costs what a login costs the hasher, not what a test checks:
# PBKDF2's million rounds took ~0.2 s of CPU for every user a test made or logged in (the
# servers tests start read these settings too: pytest-django exports
# DJANGO_SETTINGS_MODULE). MD5 first, as Django's testing docs advise; the default hashers
# after it still check any hash they made.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *global_settings.PASSWORD_HASHERS,
]
