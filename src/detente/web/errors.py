"""Errors the web layer answers with: one JSON object naming the field at fault.

Every 4xx/5xx from ``/api`` has the shape ``{"error": "<one line>", "field": "<name>|null"}``
(plus ``detail`` for schema validation), so a script can show the line and a form can mark the
field.  Pages get the same line in an HTML error page.
"""
from __future__ import annotations

from typing import Any, Optional


class ApiError(Exception):
    """A client (or busy-server) error with an HTTP status and the field it concerns."""

    def __init__(self, status: int, message: str, field: Optional[str] = None,
                 headers: Optional[dict[str, str]] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "field": self.field}


def bad(field: str, message: str, status: int = 422) -> ApiError:
    """A parameter error: ``field: message``."""
    return ApiError(status, f"{field}: {message}", field)


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, Optional[str]]:
    """One line from pydantic/FastAPI validation errors: 'limit: must be <= 1000; ...'."""
    parts: list[str] = []
    first_field: Optional[str] = None
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header")]
        field = _dotted(loc) or "request"
        first_field = first_field or field
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    if len(errors) > 5:
        parts.append(f"and {len(errors) - 5} more")
    return "; ".join(parts) or "invalid request", first_field


def _dotted(loc: list[str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out
