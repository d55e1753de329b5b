"""Fan-outs too big for one request (docs/api.md, "Many users at once"): `POST /api/notify/`
past NOTIFY_FANOUT_INLINE_MAX recipients is accepted as a `FanOutJob` row (`models.py`, its
table still `notifications_fanoutjob`) and written in steps through
`notifications.services.notify_users` (`jobs.py`), by a thread of the accepting process and
by `manage.py fanout_jobs` (the Procfile's `fanout`).
"""
