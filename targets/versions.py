"""Version counters in the shared cache, and a small in-process memory keyed by them.

Whatever is cached names the version of the data it was built from: `data` moves whenever anything
a dashboard shows is saved, `users` whenever a user, their groups or a group changes. A bump on
any server makes every copy built before it unreachable on all servers at once, so a copy kept in
a process's own memory (Recent) is as safe as one in Redis, and costs no round trip.

Both counters are read once per request, in the same round trip as the session
(targets/sessions.py): a cached dashboard page then needs nothing else from Redis.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from asgiref.local import Local
from django.core.cache import cache
from django.db import transaction

KEYS = {"data": "emulation:data-version", "users": "emulation:users-version"}
_request = Local()  # the counters as read by the current request; absent outside requests


def current(name: str) -> int:
    """The version `name` has now (as first read by this request, when in one)."""
    memo = getattr(_request, "versions", None)
    if memo is not None and name in memo:
        return memo[name]
    found = cache.get_many(list(KEYS.values()))
    values = {}
    for kind, key in KEYS.items():
        if key not in found:
            # A new start, never a number used before: after Redis restarts or is emptied, copies
            # that processes remember from before must not match.
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
        values[kind] = found[key]
    if memo is not None:
        memo.update(values)
    return values[name]


def remember(found: dict) -> None:
    """Take the counters among `found` (read from the cache with something else) for this request."""
    memo = getattr(_request, "versions", None)
    if memo is not None:
        memo.update({kind: found[key] for kind, key in KEYS.items() if key in found})


def bump(name: str) -> None:
    """Invalidate now, and again once the saving transaction commits: a reader in between would
    cache the old rows under the new version, and that copy must never be served."""
    _bump(name)
    transaction.on_commit(lambda: _bump(name))


def _bump(name: str) -> None:
    try:
        cache.incr(KEYS[name])
    except ValueError:  # not set yet (or evicted): any new number invalidates the old copies
        cache.set(KEYS[name], time.time_ns(), timeout=None)
    memo = getattr(_request, "versions", None)
    if memo is not None:
        memo.pop(name, None)  # the rest of this request sees its own change


def request_started(**kwargs) -> None:
    _request.versions = {}


def request_finished(**kwargs) -> None:
    _request.versions = None


class Recent:
    """The most recently used values, up to `size`, in this process. Only for keys that name the
    versions their values were built from, so that nothing kept here can be stale."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
