"""What a user does with a thread or a notification's buttons, past reading it
(docs/inbox.md, "Follow and mute", "Actions"): follow, unfollow, mute and unmute a thread
key, and notify a key's followers (`services.py`); click one of a message's actions
(`actions.py`). The rows stay notifications' (`Follow`, `Message.acted_at`), and so do
the reads the frames need (which threads are muted: notifications/follows.py) and what
an action may be (notifications/validators.py `clean_actions`).
"""
