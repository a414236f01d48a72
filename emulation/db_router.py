"""Send dashboard reads to a read replica, everything else to the primary.

Reads of the programme's data (targets app) go to the "replica" alias, unless the primary is
inside a transaction (a write in progress must read its own writes). Writes, sessions, users,
history and migrations always use the primary. The data version that cached pages are keyed on
is read from the replica too (targets/versions.py), so a lagging replica delays a change on the
dashboards but never keeps it off them; synchronous replication (synchronous_commit =
remote_apply) removes the delay, as docs/deployment.md explains.
"""

from django.db import connections

REPLICA_APPS = {"targets"}
# Not dashboard data, read right after it is written, perhaps by another app server: an upload's
# preview confirmed (a lagging replica said "no longer kept"), an API token just issued or revoked.
PRIMARY_ONLY = {"uploadpreview", "apitoken"}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        name = model._meta.model_name
        dashboard_data = model._meta.app_label in REPLICA_APPS and not name.startswith("historical") and name not in PRIMARY_ONLY
        if dashboard_data and not connections["default"].in_atomic_block:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either may relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
