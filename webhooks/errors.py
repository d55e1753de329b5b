"""Why a delivery was refused, and which HTTP status tells SNS what to do next.

SNS retries only on 5xx or a timeout, so the status is a decision: 4xx means "never send
this again", 503 means "our fault, try later".
"""


class Rejected(Exception):
    """A delivery we refuse; `reason` is safe to log (never a Token or a SubscribeURL)."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Malformed(Rejected):
    """Not a well-formed SNS HTTP delivery."""

    status = 400


class TooLarge(Rejected):
    """Body over the size cap."""

    status = 413


class Forbidden(Rejected):
    """Well-formed, but forged, stale or from a topic we do not accept."""

    status = 403


class Unavailable(Rejected):
    """Our own transient fault (certificate fetch, database): SNS should retry."""

    status = 503
