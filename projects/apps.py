from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    # Its policies, as registry/apps.py explains them.
    public_reads = True
    municipality_owned = {
        "Project": "municipality",
        "Event": "project__municipality",
        "Contact": "municipality",
        "Strategy": "municipality",
        "StrategyItem": "strategy__municipality",
        # A project's links that carry how they are known, and its citations: edited in the
        # project's (and event's, strategy's) form.
        "ProjectFunder": "project__municipality",
        "ProjectGoal": "project__municipality",
        "ProjectSource": "project__municipality",
        "EventSource": "event__project__municipality",
        "StrategySource": "strategy__municipality",
        # A project's money, funders' identifiers, results and pictures (projects/record.py,
        # projects/pictures.py): edited in the project's form.
        "Grant": "project__municipality",
        "FunderReference": "project__municipality",
        "Result": "project__municipality",
        "Picture": "project__municipality",
        # Translations of a project's texts (projects/translations.py): edited in its form.
        "ProjectTranslation": "project__municipality",
        "EventTranslation": "event__project__municipality",
        "StrategyItemTranslation": "item__strategy__municipality",
        # Messages through the contact forms, read in the admin (projects/contact.py).
        "ContactMessage": "municipality",
    }

    def ready(self):
        from . import project_index

        project_index.connect()
