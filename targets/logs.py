"""A request id on every log line and every answer, so an operator can find the error a user saw.

The id comes from the proxy's X-Request-ID header when it sends a sane one (nginx: `$request_id`),
else it is made here; it is sent back in the X-Request-ID header and shown on the error page."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_current = contextvars.ContextVar("request_id", default="-")
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def current() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex[:16]
        token = _current.set(request.id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            return response
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request being served ('-' outside a request)."""

    def filter(self, record):
        record.request_id = _current.get()
        return True


class WithoutTraceback(logging.Filter):
    """For refusals that are the client's doing (a scanner's wrong Host): the line, not a
    traceback of Django's own code under it."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True
