"""Sends public reads to a read replica when DATABASE_REPLICA_URL configures one.

The rule is deliberately narrow: only reads of the public data (the registry, projects and
networks apps) during a GET or HEAD outside the admin go to the replica
(registry.middleware.DatabaseRoutingMiddleware says which requests those are). Writes, the
admin, sessions and users, management commands and the shell all use the primary, so a
coordinator never reads their own edit from a replica that has not caught up yet. Without a
replica in DATABASES the router answers None to everything and Django behaves as usual.
"""

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"
PUBLIC_APPS = {"registry", "projects", "networks"}

# True while a request that may read from the replica is being handled.
public_read = ContextVar("public_read", default=False)


def has_replica():
    return REPLICA in settings.DATABASES


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if not has_replica():
            return None
        if public_read.get() and model._meta.app_label in PUBLIC_APPS:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY if has_replica() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        if has_replica() and {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica follows the primary's schema; migrations run on the primary only.
        return False if db == REPLICA else None
