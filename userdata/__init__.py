"""A user's data, out and gone (docs/api.md, "Your data"): `services.export` gathers
everything we hold about their notifications (other apps add theirs through the
`services.exporting` signal), `services.erase` deletes every message through
notifications' own delete; `admin.py` offers both on the admin's users. The adapters
(`/account/data/` in inbox/, `/api/me/` in api/) call these.
"""
