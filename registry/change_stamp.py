"""The change stamp: one database row that changes with every edit of data the public pages
show, so that the page cache (registry.middleware.PageCacheMiddleware) can put it in every key
and an edit in the admin makes every cached page unreachable at once.

`bump()` runs from the post_save, post_delete and m2m_changed signals of the models below
(connected by RegistryConfig.ready()), inside the writer's transaction: the new stamp becomes
visible together with the change, so no reader can pair the new stamp with the old data.
Paths that send no signals (bulk_create, QuerySet.update, raw SQL) must call `bump()`
themselves, as generate_demo does; the cache's timeout (PAGE_CACHE_SECONDS) bounds what a
forgotten one can cost.
"""

from django.apps import apps
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

STAMP_PK = 1

# Every model whose rows a public page shows, as "app_label.ModelName". The automatic
# through tables of their many-to-many fields are watched too.
WATCHED = [
    "registry.Country",
    "registry.Municipality",
    "registry.Organisation",
    "registry.Funder",
    "registry.Goal",
    "projects.Project",
    "projects.Event",
    "projects.Contact",
    "projects.Strategy",
    "projects.StrategyItem",
    "networks.Network",
    "networks.Membership",
]
# The models of those apps that no public page shows (tests/test_page_cache.py checks that
# each model is in one list or the other).
NOT_SHOWN = ["registry.Coordinator", "registry.SeedRecord", "registry.ChangeStamp"]


def _stamps():
    return apps.get_model("registry", "ChangeStamp").objects


def current():
    """The stamp as a short string, e.g. "42.1795000000123456": one query by primary key.
    Read through the same database router as the page's data (the replica, for a visitor)."""
    row = _stamps().filter(pk=STAMP_PK).values_list("version", "changed_at").first()
    if row is None:
        return "0"
    version, changed_at = row
    return f"{version}.{changed_at.timestamp():f}" if changed_at else str(version)


def last_changed_at():
    """When public data last changed, or None if it never has since the stamp was made."""
    return _stamps().filter(pk=STAMP_PK).values_list("changed_at", flat=True).first()


def bump():
    """Count one more change to public data (one UPDATE of one row by primary key)."""
    stamps = _stamps()
    changed = {"version": F("version") + 1, "changed_at": timezone.now()}
    if not stamps.filter(pk=STAMP_PK).update(**changed):
        # Migration 0003 creates the row; a flushed database (TransactionTestCase) has none.
        stamps.get_or_create(pk=STAMP_PK)
        stamps.filter(pk=STAMP_PK).update(**changed)


def _saved_or_deleted(sender, **kwargs):
    bump()


def _links_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        bump()


def watched_models():
    return [apps.get_model(label) for label in WATCHED]


def connect():
    """Connect the receivers; called once from RegistryConfig.ready()."""
    for model in watched_models():
        uid = f"change_stamp:{model._meta.label}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=uid)
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _links_changed, sender=through, dispatch_uid=f"change_stamp:{through._meta.label}"
            )
