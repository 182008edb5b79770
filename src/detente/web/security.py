"""Who may write, how much a request may carry, and what a browser may load.

* Write endpoints need ``Authorization: Bearer <token>`` (the ``DETENTE_TOKEN`` the server was
  started with): 401 when it is missing or malformed, 403 when it is wrong.  Tokens are
  compared with :func:`hmac.compare_digest`, in constant time, so response timing does not
  reveal how much of a guess was right.
* Request bodies are limited (413) both by ``Content-Length`` and by counting the bytes of a
  chunked upload as they arrive, before anything is parsed.
* Every response carries a Content-Security-Policy that lets a page load only from this
  server: with no CDN and no third-party request possible, the pages work offline and leak
  nothing about what an analyst reads.
"""
from __future__ import annotations

import hmac
import json
from typing import Any, Awaitable, Callable, Optional

from .errors import ApiError

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Inline styles are allowed because matplotlib's SVG charts carry style attributes; scripts
# are ours only (no inline script anywhere).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'")

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def check_bearer(authorization: Optional[str], token: Optional[str]) -> None:
    """Raise :class:`ApiError` unless ``authorization`` carries ``token``.  ``token`` None means
    the server runs with --insecure-dev: writes are open."""
    if token is None:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="detente"'}
    if not authorization:
        raise ApiError(401, "authorization: missing bearer token (send 'Authorization: Bearer "
                            "<DETENTE_TOKEN>')", "authorization", challenge)
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise ApiError(401, "authorization: expected 'Bearer <token>'", "authorization", challenge)
    if not hmac.compare_digest(credential.encode("utf-8"), token.encode("utf-8")):
        raise ApiError(403, "authorization: wrong token", "authorization")


class BodyTooLarge(Exception):
    pass


class LimitsMiddleware:
    """413 for bodies over ``max_body`` bytes; security headers on every response."""

    def __init__(self, app: ASGIApp, max_body: int):
        self.app = app
        self.max_body = max_body
        # An oversize body up to this size is read and dropped before the 413 goes out: a
        # client still sending when the server closes would see a reset instead of the answer.
        # Beyond it the server answers at once and closes (reading gigabytes is the attack).
        self.drain_limit = max(4 * max_body, 16 * 1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                await _json(send, 400, {"error": "content-length: not a number", "field": "content-length"})
                return
            if too_big:
                if int(length) <= self.drain_limit:
                    await _drain(receive, self.drain_limit)
                await _json(send, 413, _too_large(self.max_body))
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    if message.get("more_body"):
                        await _drain(receive, self.drain_limit - received)
                    raise BodyTooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in existing]
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _json(send, 413, _too_large(self.max_body))


async def _drain(receive: Receive, budget: int) -> None:
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body"):
            return


def _too_large(limit: int) -> dict[str, Any]:
    return {"error": f"body: larger than the server's limit of {limit:,} bytes "
                     "(split the upload, or start the server with a larger --max-body)",
            "field": "body"}


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")] + SECURITY_HEADERS})
    await send({"type": "http.response.body", "body": data})
