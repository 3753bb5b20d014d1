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
    }

    def ready(self):
        from . import project_index

        project_index.connect()
