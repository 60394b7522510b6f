"""What protects a browser's session: forms only from our own pages, cookies only over TLS when TLS is on.

The supervisors' pages keep a staff token in a cookie, so another site could
make a signed-in supervisor's browser post a form to them (CSRF). SameSite=Strict
stops that only in browsers that honour it, and not from a sibling site of the
same registrable domain; so every unsafe request to a page (not /api/, whose
token is in a header a browser never adds on its own) must come from this
server's own origin, as the browser's Origin header says, or its Referer where
a browser sends no Origin. A request with neither is no browser's cross-site form
(browsers send Origin on every cross-origin POST): scripts and tests pass.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

from hallq.queue.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER_ONLY = ("/api/",)  # a token in the Authorization header: no cookie rides along


def _same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()


def install(app: Flask) -> None:
    @app.before_request
    def _forms_from_our_own_pages():
        if request.method in SAFE_METHODS or request.path.startswith(BEARER_ONLY):
            return
        sender = request.headers.get("Origin") or request.headers.get("Referer")
        if sender is not None and not _same_origin(sender):  # "null" (a sandboxed or privacy-stripped page) too
            raise Forbidden("cross_origin")


def set_cookie(response: Response, name: str, value: str, **options) -> None:
    """A cookie, `Secure` when this request came over TLS (request.is_secure: the proxy's word when trusted)."""
    response.set_cookie(name, value, secure=request.is_secure, **options)
