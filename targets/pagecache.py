"""Rendered dashboard pages, cached until the data changes.

Officials open the same few pages over and over while figures change a few times a day. What a
dashboard page shows under its menu depends only on the address (period, sorting), the language,
the day (a report turns late at midnight), the data and the code; not on who asks, since every
signed-in user sees the same submitted and approved figures there. So that content is rendered
once and kept in the shared cache.

The frame around it depends on the user only through their roles (the menu), their name and the
CSRF token of its forms. So the whole page is cached once per set of roles, with slots where the
name and the token go, and each request fills them in: a page served from the cache renders no
template at all.

Invalidation rides on the data version that every saved figure, submission or programme change
bumps (targets/versions.py, targets/signals.py), and on a fingerprint of the templates,
translations and code, so a new release never serves pages rendered by the old one. Since keys
name the version, each process also keeps the pages it served last in its own memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from targets import access, versions

TIMEOUT = 24 * 3600
# Where a cached frame takes the user's CSRF token and name; unlike anything a page shows.
CSRF_SLOT = "csrf-slot-5e0c9d7b"
NAME_SLOT = "user-name-slot-5e0c9d7b"
_SLOTS = re.compile(f"({CSRF_SLOT}|{NAME_SLOT})")
# The pages this process served last, kept beside the shared cache: their keys name the data
# version, so they are never stale, and serving them needs no round trip to Redis. Only immutable
# values (strings, bytes and tuples of them: nothing a request could change), a few hundred
# kilobytes at most each.
_recent = versions.Recent(size=64)
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Content:
    title: str
    html: SafeString


@memoize
def release() -> str:
    """A fingerprint of what renders pages: templates, compiled translations and the app's code."""
    digest = hashlib.sha1()
    for folder, pattern in ((ROOT / "templates", "**/*.html"), (ROOT / "locale", "**/*.mo"), (ROOT / "targets", "**/*.py")):
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def content_key(request, vary: tuple) -> str:
    parts = (release(), versions.current("data"), translation.get_language(), timezone.localdate().isoformat(),
             request.path, sorted(request.GET.lists()), vary)
    return "emulation:page:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def cached(request, build: Callable[[], object], vary: tuple = ()):
    """What `build` returns for this address, language, day and data, from the cache when it is
    there. `build` runs only on a miss, so its queries are skipped while the data stays the same;
    an exception it raises (a 404, a bad parameter) is not cached. `vary` lists whatever else
    changes the result (the unit page shows drafts to the unit's own staff)."""
    key = content_key(request, vary)
    stored = _recent.get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            stored = build()
            cache.set(key, stored, timeout=TIMEOUT)
        _recent.put(key, stored)
    return stored


def cached_content(request, build: Callable[[], tuple[str, str, dict]], vary: tuple = ()) -> Content:
    """A dashboard page's content; `build` returns (title, template name, context)."""

    def render():
        title, template_name, context = build()
        return str(title), render_to_string(template_name, context, request=request)

    title, html = cached(request, render, vary)
    return Content(title=title, html=mark_safe(html))  # rendered by our own autoescaping templates


def cached_page(request, build: Callable[[], tuple[str, str, dict]], vary: tuple = (),
                template: str = "targets/page.html") -> HttpResponse:
    """A dashboard page: `template` (the frame) around the content `build` describes, both cached."""
    if len(get_messages(request)):  # a one-off notice to show: this frame is not for keeping
        return render(request, template, {"content": cached_content(request, build, vary)})

    def render_frame():
        context = {"content": cached_content(request, build, vary), "csrf_token": CSRF_SLOT, "user_name": NAME_SLOT}
        html = render_to_string(template, context, request=request)
        # Kept as encoded pieces around the slots: searching and encoding a whole page on every
        # request would cost more than the rest of serving it from the cache.
        return tuple(piece if piece in (CSRF_SLOT, NAME_SLOT) else piece.encode() for piece in _SLOTS.split(html))

    frame_vary = (*vary, template, tuple(sorted(access.roles(request.user))), settings.DEMO_MODE)
    fill = {CSRF_SLOT: get_token(request).encode(), NAME_SLOT: escape(request.user.get_username()).encode()}
    return HttpResponse(b"".join(fill.get(piece, piece) for piece in cached(request, render_frame, frame_vary)))
