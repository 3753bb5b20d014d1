"""Sends public reads to a read replica when DATABASE_REPLICA_URL configures one.

The rule is deliberately narrow: only reads of the public data (the models of every app whose
AppConfig declares `public_reads = True`) during a GET or HEAD outside the admin go to the replica
(registry.middleware.DatabaseRoutingMiddleware says which requests those are). Writes, the
admin, sessions and users, management commands and the shell all use the primary, so a
coordinator never reads their own edit from a replica that has not caught up yet. Without a
replica in DATABASES the router answers None to everything and Django behaves as usual.
"""

from contextvars import ContextVar

from django.apps import apps
from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"

# True while a request that may read from the replica is being handled.
public_read = ContextVar("public_read", default=False)


def has_replica():
    return REPLICA in settings.DATABASES


def is_public(model):
    """Whether `model`'s app declares its data public (`public_reads` in its AppConfig)."""
    return getattr(apps.get_app_config(model._meta.app_label), "public_reads", False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if not has_replica():
            return None
        if public_read.get() and is_public(model):
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
