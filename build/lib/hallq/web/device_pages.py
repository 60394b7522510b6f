"""What the device pages share: the hall TV display, the kiosk and the evaluator pad.

A device has nobody to log in, so its page's address carries the device's
token in the URL fragment (`/display#token=...`): a browser never sends the
fragment to the server, so no access log (werkzeug's logs the whole request
line, query string included) ever holds it. The page hands it to Socket.IO in
the connect packet and to the API as a bearer header (device_page.js). The
page itself holds nothing secret or live, and must never pass the address on
in a Referer.
"""
from __future__ import annotations

from flask import Response, render_template, request


def page_lang() -> str:
    """The page's language: English with ?lang=en, Simplified Chinese otherwise."""
    return "en" if (request.args.get("lang") or "").lower().startswith("en") else "zh"


def page_response(html: str, status: int = 200) -> Response:
    response = Response(html, status=status)
    # The socket and the API bring the state; a cached page would only bring an old script.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"  # a token never leaves in a Referer
    return response


def render_page(template: str, table: dict[str, dict[str, str]], **context) -> Response:
    """A device page in the language asked for: `text` its words, `texts` every language's (for the script)."""
    lang = page_lang()
    return page_response(render_template(template, lang=lang, text=table[lang], texts=table, **context))
