"""Rendered dashboard content, cached until the data changes.

Officials open the same few pages over and over while figures change a few times a day. What a
dashboard page shows under its menu depends only on the address (period, sorting), the language,
the day (a report turns late at midnight), the data and the code; not on who asks, since every
signed-in user sees the same submitted and approved figures there. So that part is rendered once
and kept in the shared cache; the frame around it (the menu by role, the user's name, the CSRF
tokens of its forms) is rendered for each request.

Invalidation rides on the data version that every saved figure, submission or programme change
bumps (targets/signals.py), and on a fingerprint of the templates, translations and code, so a
new release never serves pages rendered by the old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from targets.overview import data_version

TIMEOUT = 24 * 3600
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
    parts = (release(), data_version(), translation.get_language(), timezone.localdate().isoformat(),
             request.path, sorted(request.GET.lists()), vary)
    return "emulation:page:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def cached(request, build: Callable[[], object], vary: tuple = ()):
    """What `build` returns for this address, language, day and data, from the cache when it is
    there. `build` runs only on a miss, so its queries are skipped while the data stays the same;
    an exception it raises (a 404, a bad parameter) is not cached. `vary` lists whatever else
    changes the result (the unit page shows drafts to the unit's own staff)."""
    key = content_key(request, vary)
    stored = cache.get(key)
    if stored is None:
        stored = build()
        cache.set(key, stored, timeout=TIMEOUT)
    return stored


def cached_content(request, build: Callable[[], tuple[str, str, dict]], vary: tuple = ()) -> Content:
    """A dashboard page's content; `build` returns (title, template name, context)."""

    def render():
        title, template_name, context = build()
        return str(title), render_to_string(template_name, context, request=request)

    title, html = cached(request, render, vary)
    return Content(title=title, html=mark_safe(html))  # rendered by our own autoescaping templates
