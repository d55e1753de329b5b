"""What reaches a user with no tab open: Web Push (`webpush/`) and the email digest (`digest.py`).

Both send a message left unread and unseen after a delay, each message once per channel:
what a channel took is one row of `Taken` (models.py), claimed by one insert that a
second worker's insert of the same row skips (taken.py). notifications/ never imports
this app: it listens to the writers' lifecycle events (receivers.py) to take a message
again when it is news again, and adds the Web Push subscriptions to a user's export.
"""
