"""Who the client is: X-Forwarded-For and X-Forwarded-Proto only from trusted proxies.

Daphne's `--proxy-headers` takes the left-most X-Forwarded-For, which the client writes,
so anyone could choose the address their failures count against (accounts/auth.py) or
the address a per-address limit sees. Instead the server keeps the peer address and this
middleware, uvicorn's ProxyHeadersMiddleware (a maintained implementation, already a
dependency), rewrites `scope["client"]` only when the peer is in `TRUSTED_PROXIES`
(addresses or CIDRs), taking the right-most hop that is not itself a trusted proxy.
"""

from typing import Any

from django.conf import settings
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware, _TrustedHosts


def trusting_proxies(app: Any) -> ProxyHeadersMiddleware:
    """`app` behind the forwarded-header rewrite, trusting `settings.TRUSTED_PROXIES`."""
    return ProxyHeadersMiddleware(app, trusted_hosts=list(settings.TRUSTED_PROXIES))


_trusted: tuple[tuple[str, ...], _TrustedHosts] | None = None


def is_trusted_proxy(address: str | None) -> bool:
    """`address` is one of TRUSTED_PROXIES: it speaks for many clients, so per-address
    limits do not apply to it (the client behind it is limited once it is resolved)."""
    global _trusted
    configured = tuple(settings.TRUSTED_PROXIES)
    if _trusted is None or _trusted[0] != configured:
        _trusted = (configured, _TrustedHosts(list(configured)))
    return address is not None and address in _trusted[1]
