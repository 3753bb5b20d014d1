"""/feed/: an Atom feed of the newest published projects, with absolute links on the
request's host."""

from datetime import UTC, datetime, time

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from registry.validators import printable

from .queries import published_projects

FEED_LENGTH = 20


class NewestProjectsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Newest projects in the registry of municipal international projects")
    subtitle = _("Municipal international projects, most recently added first.")

    def link(self):
        return reverse("projects:list")

    def items(self):
        # The index project_created (projects/models.py) gives the first 20 in order, so not
        # every published project is sorted.
        newest = published_projects().select_related("municipality").order_by("-created_at")
        return newest[:FEED_LENGTH]

    # XML cannot hold a control character: text stored before the fields refused them
    # (registry/validators.py) is shown without them rather than breaking the feed for all.
    def item_title(self, project):
        return printable(project.title)

    def item_description(self, project):
        return printable(project.summary)

    def item_author_name(self, project):
        return printable(project.municipality.name)

    def item_pubdate(self, project):
        return project.created_at

    def item_updateddate(self, project):
        """When a person last changed the record; for a seeded record nobody changed, the day
        its facts were confirmed as of (Atom needs a date, and the load is no change). With
        neither, Django gives the entry its published date."""
        if project.changed_at is not None:
            return project.changed_at
        if project.confirmed_on is not None:
            return datetime.combine(project.confirmed_on, time(), tzinfo=UTC)
        return None
