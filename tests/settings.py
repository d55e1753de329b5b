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
# Nor the snooze clock's thread (notifications/snooze_clock.py), which would query the test
# database beside the test; the browser and restart tests of snooze start servers with it.
os.environ.setdefault("NOTIFICATIONS_SNOOZE_IN_PROCESS", "0")

from project.settings import *  # noqa: F403
