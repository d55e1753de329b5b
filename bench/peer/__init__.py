"""The peer target: django-eventstream's SSE with event storage, per-user channels.

A Django project of its own (settings, urls, ASGI app) with a database of its own,
served by daphne. `POST /notify/` (service token) calls `send_event("user-<id>",
"message", {...})`; `GET /events/` (a per-user bearer token) streams that user's channel.
"""
