"""A project's title, summary and description, its events' titles and descriptions, and the
strategies' priority areas and aims, in
another language than the original (registry/translations.py states the display rule and what
every translation records). Models of their own beside the project (imported by
projects/models.py), so that `Project.title`, `summary` and `description` stay the original text
that every SQL path reads: the search vector, the exports and their COPY, the project index and
the title order. An event is written in its project's language (`Event.language`), a strategy's
item in its strategy's (`StrategyItem.language`)."""

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from registry.translations import Translation


class ProjectTranslation(Translation):
    OWNER = "project"
    FIELDS = ("title", "summary", "description")

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(Translation.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "language"], name="project_translation_unique_language"
            )
        ]


class EventTranslation(Translation):
    OWNER = "event"
    FIELDS = ("title", "description")

    event = models.ForeignKey(
        "projects.Event",
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("event"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta(Translation.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language"], name="event_translation_unique_language"
            )
        ]


class StrategyItemTranslation(Translation):
    """A strategy's priority area or aim in another language than the strategy's."""

    OWNER = "item"
    FIELDS = ("text",)

    item = models.ForeignKey(
        "projects.StrategyItem",
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("strategy item"),
    )
    text = models.CharField(_("text"), max_length=500)

    class Meta(Translation.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "language"], name="strategy_item_translation_unique_language"
            )
        ]


@receiver(post_save, sender=ProjectTranslation)
@receiver(post_delete, sender=ProjectTranslation)
def _translation_changed(sender, instance, **kwargs):
    # The search finds a project by the words of its translations too (Project.search_text).
    project = instance.project.__class__.objects.filter(pk=instance.project_id).first()
    if project is not None:
        project.refresh_search_text()
