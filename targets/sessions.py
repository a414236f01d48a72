"""Django's cached_db sessions, whose read from the cache also brings the version counters.

Every signed-in request reads its session from Redis first; the counters (targets.versions) ride
along in the same round trip, so a page served from the cache costs one round trip in all.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import DEFAULT_CACHE_ALIAS, caches

from targets import versions


class SessionStore(CachedDBStore):
    def load(self):
        if self._cache is caches[DEFAULT_CACHE_ALIAS]:  # the counters live in the default cache
            found = self._cache.get_many([self.cache_key, *versions.KEYS.values()])
            versions.remember(found)
            if self.cache_key in found:
                return found[self.cache_key]
        return super().load()  # not in the cache: from the database, as Django does
