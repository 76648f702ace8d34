"""What every response says about itself, whichever route (or error) made it.

`X-Content-Type-Options: nosniff` on every response, so a browser never reads JSON, CSV or text as a
page; and on every HTML response a Content-Security-Policy with `frame-ancestors 'none'` (no page of the
collector in another site's frame). A page with inline style or script names them by hash in its own
policy (`policy`); any other HTML response gets DEFAULT_POLICY, which allows nothing at all.
"""

import base64
import hashlib

NOSNIFF = (b"x-content-type-options", b"nosniff")
CSP = b"content-security-policy"
BASE = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
DEFAULT_POLICY = BASE.encode()


def source_hash(text: str) -> str:
    """A CSP source for one inline style or script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(styles=(), scripts=(), images=None) -> str:
    """A page's Content-Security-Policy: nothing but its own inline style and scripts (and `images`, a source list)."""
    parts = [BASE]
    if styles:
        parts.append("style-src " + " ".join(source_hash(style) for style in styles))
    if scripts:
        parts.append("script-src " + " ".join(source_hash(script) for script in scripts))
    if images:
        parts.append(f"img-src {images}")
    return "; ".join(parts)


class SecurityHeaders:
    """ASGI middleware, outermost: it sees the responses of every route, of Starlette's 404 and 405 and
    of its handler of unexpected errors."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.append(NOSNIFF)
                html = any(name.lower() == b"content-type" and value.lower().startswith(b"text/html") for name, value in headers)
                if html and not any(name.lower() == CSP for name, _ in headers):
                    headers.append((CSP, DEFAULT_POLICY))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
