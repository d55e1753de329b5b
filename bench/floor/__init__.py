"""The Channels floor: what Channels on the same server allows, with no application work.

Per-user groups on the pub/sub Redis layer; no database, no authentication, no signature.
`POST /notify/` (`{"user": N, "text": "..."}`) does one `group_send` of a frame serialised
once; a socket on `/ws/<user>/` joins group `u.<user>`, sends `sync`, relays frames, and
answers an `ack` with one `group_send` of a `read` frame. So a notification costs the
floor exactly what the workload asks of every server: 1 POST, 3 + 3 frames out, 1 in.
Served like the app: `daphne bench.floor.asgi:application` (or uvicorn).
"""
