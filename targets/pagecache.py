"""Rendered dashboard content, cached under the data version.

Officials open the same few pages over and over while figures change a few times a day. What a
dashboard page shows under its menu depends only on the address (period, sorting), the language,
the day (a report turns late at midnight), the data and the code; not on who asks, since every
signed-in user sees the same submitted and approved figures there. So that content is rendered
once and kept in Django's cache; the frame around it (menu, name, forms) is rendered for each
request as any page is.

Keys name the data version (targets/versions.py), which PostgreSQL moves with every write, and a
fingerprint of the templates, translations and code, so a new release never serves pages
rendered by the old one. A copy is therefore never stale, whether the cache is each process's
memory or Redis (with Redis, each process keeps what it served in its memory too). Redis is only
a place to share copies: when it fails, pages are built from PostgreSQL as if nothing were
cached, and /healthz says the cache is degraded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from redis.exceptions import RedisError

from targets import versions

TIMEOUT = 24 * 3600
ROOT = Path(__file__).resolve().parent.parent
# What a cache that cannot be reached raises (Django's Redis backend lets the client's errors through).
CACHE_ERRORS = (RedisError, OSError)
log = logging.getLogger(__name__)
RETRY_AFTER = 10  # seconds without trying a shared cache that failed
_unavailable_until = 0.0


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


def get_or_build(key: str, build: Callable[[], object], version: str | None = None, shared: bool = True):
    """The value cached under `key` with this release, `version` (the data version unless
    another is given) and the day, else what `build` returns, kept for the next request. A failing shared
    cache costs a build, never an error page. `shared=False` keeps the value in this process's
    memory only, never in Redis."""
    # And the day: what is shown depends on it as well as on the rows (a yearly figure is awaited
    # until its month, a report is due after its deadline), and no write marks a new day.
    key = f"{key}:{release()}:{version or versions.key()}:{timezone.localdate().isoformat()}"
    # With Redis, each process also keeps what it served in its own memory (the "local" cache):
    # the keys name the version, so that copy is as right as Redis's, and costs no round trip.
    local = caches["local"] if "local" in settings.CACHES else None
    if not shared and local is None and isinstance(caches["default"], LocMemCache):
        local = cache  # no Redis: the default cache is this process's memory
    value = local.get(key) if local else None
    if value is None:
        value = _shared(key, build) if shared else build()
        if local:
            local.set(key, value, timeout=TIMEOUT)
    return value


def _shared(key: str, build: Callable[[], object]):
    if time.monotonic() < _unavailable_until:
        return build()
    try:
        value = cache.get(key)
    except CACHE_ERRORS as problem:
        _unavailable(problem)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, timeout=TIMEOUT)
        except CACHE_ERRORS as problem:
            _unavailable(problem)
    return value


def _unavailable(problem: Exception) -> None:
    # A Redis that hangs would cost every page its timeouts: it is left alone for a while.
    global _unavailable_until
    _unavailable_until = time.monotonic() + RETRY_AFTER
    log.warning("shared cache unavailable, pages built from the database for %s s: %s", RETRY_AFTER, problem)


def cached(request, build: Callable[[], object], vary: tuple = (), reads: str = ""):
    """What `build` returns for this address, language, day and data, from the cache when it is
    there. `build` runs only on a miss, so its queries are skipped while the data stays the same;
    an exception it raises (a 404, a bad parameter) is not cached. `vary` lists whatever else
    changes the result (the unit page shows drafts to the unit's own staff).

    The key names the query parameters the page reads, and `build` is given only those (see
    `_read`): no other parameter can change what is kept under a key, and a link with ?utm_source=
    or a malformed quarter is served the page's one copy instead of adding its own. A sort or page
    the page's table did not take as given is served and not kept (`not_kept`)."""
    query = _read(request, reads)
    parts = (translation.get_language(), timezone.localdate().isoformat(), request.path, sorted(query.items()), vary)

    def build_from_query():
        asked, request.GET = request.GET, query
        try:
            value = build()
        finally:
            request.GET = asked
        if request.__dict__.pop("_not_kept", False):
            raise _Served(value)
        return value

    try:
        return get_or_build("emulation:page:" + hashlib.sha1(repr(parts).encode()).hexdigest(), build_from_query)
    except _Served as served:
        return served.value


class _Served(Exception):
    """A page built for parameters it did not take as given: served, but not kept (not_kept)."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def not_kept(request) -> None:
    """Say, while a page is built, that it read a parameter other than as given (a sort by no
    column, a page past the last): the page is served but not kept under that address, so made-up
    values cannot fill the cache."""
    request._not_kept = True


def _read(request, reads: str) -> QueryDict:
    """?year= (without spaces around it), ?quarter= when it names one (a malformed quarter reads as
    none, so the page shows its default quarter, as it would), and the parameters whose names match
    `reads`, a regular expression (the tables' sorting and pages); each once, with its last value,
    as the views read it (QueryDict.get)."""
    from targets.views.common import quarter_param

    pattern = re.compile(f"year|(?:{reads})" if reads else "year")
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if pattern.fullmatch(name):
            query[name] = values[-1].strip() if name == "year" else values[-1]
    if (quarter := quarter_param(request)) is not None:
        query["quarter"] = str(quarter)
    query._mutable = False
    return query


# Where the frame takes the content: a comment no escaped value can spell ("<" is escaped).
CONTENT_MARK = "<!--emulation:content-->"


def cached_page(request, build: Callable[[], tuple[str, str, dict]], vary: tuple = (), reads: str = "",
                template: str = "targets/page.html"):
    """A dashboard page: `template` (the frame) around the cached content `build` describes;
    `build` returns (title, template name, context); `reads` as for `cached`."""

    def render_content():
        title, template_name, context = build()
        return str(title), render_to_string(template_name, context, request=request).encode()

    title, html = cached(request, render_content, vary, reads)
    # The content is kept as UTF-8 bytes: encoding a region overview (100 KB of Vietnamese) again
    # for every request cost more than rendering the frame (docs/benchmarks.md). The frame is
    # rendered for this request as any page is, and the content goes where it shows the mark.
    frame = render_to_string(template, {"content": Content(title=title, html=mark_safe(CONTENT_MARK))}, request=request)
    before, after = frame.split(CONTENT_MARK)
    return HttpResponse([before.encode(), html, after.encode()])


def cache_healthy() -> bool:
    """Whether the cache answers (always, for a process's own memory)."""
    try:
        cache.get("emulation:health")
    except CACHE_ERRORS:
        return False
    return True
