"""Real server processes for end-to-end tests: the shared harness (harness/servers.py,
harness/stack.py) and a logged-in HTTP session against one of its servers.
"""

from harness.servers import REPO, RedisServer, free_port, wait_for_port
from harness.stack import Stack

__all__ = ["REPO", "RedisServer", "Session", "Stack", "free_port", "wait_for_port"]


class Session:
    """A logged-in browser-like HTTP session (cookies and CSRF) against one server."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(f"{base_url}/accounts/login/", timeout=10).read()
        self.post("/accounts/login/", {"username": username, "password": password})
        if "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed")

    @property
    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar}

    def post(self, path: str, data: dict | None = None) -> tuple[int, bytes]:
        import urllib.error
        import urllib.parse
        import urllib.request

        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(data or {}).encode(),
            # A script, like home.js: it asks for JSON rather than the no-JavaScript redirect.
            headers={
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
