"""Web Push: messages left unread sent to the user's browsers when no tab is open.

`send` picks what is due, takes it once (offline/taken.py) and sends it (the
`push_unread` command), `network` keeps those sends to public addresses (outbound/ uses
it too), `views` subscribes and unsubscribes browsers. Not the live
path: that is `live` (live/__init__.py) and the channel layer.
"""
