"""Snooze: a message leaves the inbox and the unread count until a time, then comes back
as new (docs/inbox.md, "Snooze").

`services.py` snoozes, unsnoozes and wakes (each wake-up claimed once, whoever runs it),
`times.py` turns the menu's choices into times in the user's zone (pure), `clock.py` is
each server process's thread that wakes them on time, and `manage.py wake_snoozed` does it
from a worker. The column it sets, `Message.snoozed_until`, stays on the message (the
unread counter's triggers read it: notifications/counters.py).
"""
