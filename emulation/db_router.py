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


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        dashboard_data = model._meta.app_label in REPLICA_APPS and not model._meta.model_name.startswith("historical")
        if dashboard_data and not connections["default"].in_atomic_block:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either may relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
