"""A webhook receiver on loopback that verifies every request with `standardwebhooks`.

It answers as told (`status`, or holds the request while `hold` is set), records each
request (verified or not) and keeps the verified events by `webhook-id`, as a receiver
that de-duplicates would.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # base64 of 24 bytes, tests only


@dataclass
class Received:
    webhook_id: str
    payload: Any


@dataclass
class Receiver:
    secret: str = SECRET
    status: int = 204
    requests: list[dict[str, Any]] = field(default_factory=list)
    verified: list[Received] = field(default_factory=list)
    refused: int = 0
    hold: threading.Event = field(default_factory=threading.Event)  # set: requests wait
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def start(self, port: int = 0) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError:
                    payload = None
                with receiver.arrived:
                    receiver.requests.append({"headers": headers, "body": body})
                    if payload is None:
                        receiver.refused += 1
                    elif receiver.status < 300 and not receiver.hold.is_set():
                        receiver.verified.append(Received(headers["webhook-id"], payload))
                    receiver.arrived.notify_all()
                if receiver.hold.is_set():
                    receiver.release.wait(60)
                    return  # never answered: the connection just closes
                code = 401 if payload is None else receiver.status
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate: Any, timeout: float = 20) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"receiver: condition not met; got {self.summary()}")

    def summary(self) -> list[tuple[str, str]]:
        return [(r.webhook_id, r.payload["type"]) for r in self.verified]

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.verified]


def body_of(request: dict[str, Any]) -> Any:
    return json.loads(request["body"])
