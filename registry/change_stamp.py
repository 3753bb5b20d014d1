"""Change stamps: what lets the page cache (registry.middleware.PageCacheMiddleware) keep a
page until something it shows changes, and no longer. docs/caching.md tells the whole story.

Two halves, each declared by the app that owns the models or the pages, in its
`page_cache.py` (found by `connect()`, so registry names no other app):

- **Rows.** `shown(Model, row_tags)` says public pages show the model's rows. An edit of a row
  (post_save, post_delete, m2m_changed of the model's automatic through tables) moves the
  model's tag ("registry.goal"), the tags `row_tags(row)` names (e.g. one project's,
  "projects.project:skolutbyte"), and the global stamp. `not_shown(...)` lists the rest.
- **Pages.** `page("projects:detail", tags, query)` says which tags a page (by URL name)
  depends on and which query parameters it reads. A page not declared depends on every
  change (EVERYTHING) and on its whole query string.

Every bump runs inside the writer's transaction, so a new stamp becomes visible together with
the change, and the middleware reads a page's stamps before rendering it, through the same
database router as its data (the replica, for a visitor): a page is never stored under a newer
stamp than the data it shows. Paths that send no signals (bulk_create, QuerySet.update, raw
SQL) call `bump()` themselves, as generate_demo does: with no tags it moves every page.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from redis.exceptions import RedisError

# As a page's tag: the page depends on every change (keyed by the global stamp). As a bumped
# tag: a change that no finer tag describes, which moves every page.
EVERYTHING = "*"
STAMP_PK = 1


def model_tag(model):
    """The tag every edit of `model`'s rows moves, e.g. "registry.goal"."""
    return model._meta.label_lower


def row_tag(model, key):
    """The tag of one row, e.g. row_tag(Project, "skolutbyte") -> "projects.project:skolutbyte"."""
    return f"{model._meta.label_lower}:{key}"


# ---------------------------------------------------------------------------------------------
# Declarations, made by each app's page_cache.py.

_row_tags = {}  # model -> callable(row) -> extra tags, or None
_change_tags = {}  # model -> callable(before, after) -> tags an edit moves by what it changed
_not_shown = set()  # "app_label.ModelName"
_key_parts = []  # callables whose value is part of every page's key


@dataclass(frozen=True)
class Page:
    # A list of tags, or a callable(query=<the request's QueryDict>, **url_kwargs) -> tags.
    tags: object = (EVERYTHING,)
    query: frozenset | None = None  # the query parameters the page reads; None: all of them
    # The tags of the data a `tags` callable reads (see `page`); its tags are then kept.
    derived_from: tuple = ()
    name: str = ""

    def tags_for(self, kwargs, query=None):
        if callable(self.tags):
            return list(self.tags(query=QueryDict() if query is None else query, **kwargs))
        return list(self.tags)


EVERY_CHANGE = Page()
_pages = {}  # URL name ("projects:detail") -> Page


def shown(model, row_tags=None, change_tags=None):
    """Public pages show `model`'s rows: an edit of one moves the model's tag and the global
    stamp, and `row_tags(row)` too when given (a row's tags before an edit are moved as well,
    so a project whose slug changes leaves both addresses). `change_tags(before, after)`, when
    given, names the tags an edit moves by what it changed, from the row as stored to the row
    as saved (`before` None: created; `after` None: deleted), so that a page can depend on a
    kind of change rather than on every edit of the rows it shows."""
    _row_tags[model] = row_tags
    if change_tags:
        _change_tags[model] = change_tags
    uid = f"change_stamp:{model._meta.label}"
    if row_tags or change_tags:
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    for m2m in model._meta.local_many_to_many:
        # A through model of its own is declared itself too, for its rows saved one by one
        # (an admin inline); add(), remove(), set() and clear() send only m2m_changed.
        through = m2m.remote_field.through
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"change_stamp:m2m:{through._meta.label}"
        )


def not_shown(*labels):
    """Models no public page shows, as "app_label.ModelName" (a test checks that every model
    of the project's apps is declared one way or the other)."""
    _not_shown.update(labels)


def page(url_name, tags=(EVERYTHING,), query=None, derived_from=()):
    """The page named `url_name` depends on `tags` (a list, or a function of the URL's
    arguments and of `query`, the request's parameters that the page reads, returning one; []
    for a page that shows no data) and reads only the query parameters in `query` (None: any).
    The page cache keys it on those parameters alone and the view is given those alone, so a
    parameter left out can never change a cached page.

    `derived_from`: for a `tags` function that reads data to work its tags out (looks filter
    values up), the tags of that data. Its answer is then kept in the cache with those tags'
    tokens, and used while they hold (`page_stamps`): a visit costs the one query for the
    stamps, not the look-ups."""
    if url_name in _pages:
        raise ImproperlyConfigured(f"The page cache has two declarations of {url_name!r}.")
    _pages[url_name] = Page(
        tags, None if query is None else frozenset(query), tuple(derived_from), url_name
    )


def varies_with(function):
    """Every page's key holds `function()` too (the projects' statuses follow the year)."""
    _key_parts.append(function)
    return function


def declared_models():
    return {model._meta.label for model in _row_tags} | _not_shown


def shown_models():
    """The models public pages show (declared with `shown`)."""
    return list(_row_tags)


def page_for(path):
    """The declaration of the page at `path`; EVERY_CHANGE when it has none."""
    try:
        match = resolve(path)
    except Resolver404:
        return EVERY_CHANGE, {}
    return _pages.get(match.view_name, EVERY_CHANGE), match.kwargs


def key_parts():
    return [str(function()) for function in _key_parts]


def connect():
    """Imports every installed app's page_cache module, whose declarations connect the
    receivers; called once from RegistryConfig.ready()."""
    autodiscover_modules("page_cache")


# ---------------------------------------------------------------------------------------------
# Reading the stamps.


def _global():
    return apps.get_model("registry", "ChangeStamp").objects


def _tagged():
    return apps.get_model("registry", "TagStamp").objects


def current():
    """The global stamp, which moves with every change, as a short string, e.g.
    "42.1795000000123456": one query by primary key, read through the same database router as
    the page's data (the replica, for a visitor)."""
    row = _global().filter(pk=STAMP_PK).values_list("version", "changed_at").first()
    if row is None:
        return "0"
    version, changed_at = row
    return f"{version}.{changed_at.timestamp():f}" if changed_at else str(version)


def last_changed_at():
    """When public data last changed, or None if it never has since the stamp was made."""
    return _global().filter(pk=STAMP_PK).values_list("changed_at", flat=True).first()


def stamps(tags):
    """The state of the data behind `tags`, as a string for a cache key: the global stamp
    when they include EVERYTHING, nothing (and no query) when there are none, else one query
    for the tags' rows and the EVERYTHING row (moved by a change no tag describes). A tag
    never moved has no row."""
    if not tags:
        return ""
    if EVERYTHING in tags:
        return current()
    return _digest(tags, _tokens(tags))


def page_stamps(page, kwargs, query):
    """`stamps` of the tags of `page` at the URL with `kwargs` and `query`. For a page whose
    tags are `derived_from` data, the tags worked out before are used (from the cache) while
    that data's tokens are those they were worked out under, read in the same query as the
    stamps; otherwise they are worked out anew, that data's tokens read first, so that a
    change committed meanwhile leaves them stale (worked out again next time) rather than
    wrong."""
    if not page.derived_from:
        return stamps(page.tags_for(kwargs, query))
    described = repr((page.name, sorted(kwargs.items()), sorted(query.lists())))
    key = "page-tags:" + hashlib.md5(described.encode(), usedforsecurity=False).hexdigest()
    kept = _kept("get", key)
    if kept is not None:
        tags, sources = kept
        if EVERYTHING in tags:
            # Such a page follows every change: keeping it so is never wrong.
            return current()
        tokens = _tokens([*tags, *sources])
        if all(tokens.get(tag, "") == token for tag, token in sources.items()):
            return _digest(tags, tokens)
    read = _tokens(page.derived_from)
    tags = page.tags_for(kwargs, query)
    sources = {tag: read.get(tag, "") for tag in page.derived_from}
    _kept("set", key, (sorted(tags), sources), settings.PAGE_CACHE_SECONDS)
    return stamps(tags)


def _tokens(tags):
    """{tag: token} of `tags` and EVERYTHING, for those that were ever moved: one query."""
    wanted = sorted({*tags, EVERYTHING})
    return dict(_tagged().filter(tag__in=wanted).values_list("tag", "token"))


def _kept(method, *args):
    # Worked-out tags are a copy: without the cache, they are worked out each time.
    try:
        return getattr(cache, method)(*args)
    except RedisError:
        return None


def _digest(tags, tokens):
    wanted = sorted({*tags, EVERYTHING})
    text = "|".join(f"{tag}={tokens.get(tag, '')}" for tag in wanted)
    # Hashed, so that a page with many tags still makes a short key.
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------------------------------------
# Moving them.


def bump(*tags):
    """Record a change to public data that moves `tags` (none: every page) and the global
    stamp. Two statements: an UPDATE of the global row, then one INSERT … ON CONFLICT for the
    tags, in sorted order so that concurrent writers lock rows in the same order. A tag's
    token is random, so a state of the data never meets a key made for another one, even after
    a rollback or a restored backup."""
    now = timezone.now()
    stamps_ = _global()
    changed = {"version": F("version") + 1, "changed_at": now}
    if not stamps_.filter(pk=STAMP_PK).update(**changed):
        # Migration 0003 creates the row; a flushed database (TransactionTestCase) has none.
        stamps_.get_or_create(pk=STAMP_PK)
        stamps_.filter(pk=STAMP_PK).update(**changed)
    TagStamp = apps.get_model("registry", "TagStamp")
    _tagged().bulk_create(
        [
            TagStamp(tag=tag, token=secrets.randbits(63), changed_at=now)
            for tag in sorted(set(tags) or {EVERYTHING})
        ],
        update_conflicts=True,
        unique_fields=["tag"],
        update_fields=["token", "changed_at"],
    )


def tags_of(row):
    """The tags an edit of `row` moves: its model's, and its own if its app declared any."""
    model = type(row)._meta.concrete_model
    row_tags = _row_tags.get(model)
    return {model_tag(model), *(row_tags(row) if row_tags else ())}


def changes_of(before, after):
    """The tags an edit from `before` to `after` moves by what it changed (`shown`)."""
    change_tags = _change_tags.get(type(before or after)._meta.concrete_model)
    return set(change_tags(before, after)) if change_tags else set()


def _before_save(sender, instance, using, **kwargs):
    # The row as stored, whose own tags (its old slug, its old project) move too.
    stored = None
    if instance.pk is not None:
        stored = sender._base_manager.using(using).filter(pk=instance.pk).first()
    instance._change_stamp_before = changes_of(stored, instance)
    if stored is not None:
        instance._change_stamp_before |= tags_of(stored)


def _saved(sender, instance, **kwargs):
    before = instance.__dict__.pop("_change_stamp_before", set())
    bump(*tags_of(instance), *before)


def _before_delete(sender, instance, **kwargs):
    # Its tags while its links still exist: a deletion removes them before post_delete.
    instance._change_stamp_before = tags_of(instance) | changes_of(instance, None)


def _deleted(sender, instance, **kwargs):
    bump(*tags_of(instance), *instance.__dict__.pop("_change_stamp_before", set()))


def _links_changed(sender, instance, action, model, pk_set, **kwargs):
    """A many-to-many set changed: the tags of the row whose set it is, and of the rows added
    or removed. After a clear those are unknown, so a page that shows a link depends on the
    model tag of each side it shows, or on the row tags of both."""
    if not action.startswith("post_"):
        return
    tags = tags_of(instance)
    if pk_set:
        if _row_tags.get(model):
            for row in model._base_manager.filter(pk__in=pk_set):
                tags |= tags_of(row)
        else:
            tags.add(model_tag(model))
    bump(*tags)
