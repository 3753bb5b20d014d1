from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Reference data")

    # Policies each app declares beside its models (the platform reads them from here and
    # names no app's models itself):
    # Reads of these tables during a public GET may go to a replica (registry/db_router.py).
    public_reads = True
    # The municipality that owns a row, by the path from the model to it: coordinators see
    # and edit their own municipality's only (registry/admin_confinement.py).
    municipality_owned = {"Organisation": "municipality"}
    # Reference data coordinators may look at and pick, but not change.
    reference_models = ["Country", "Goal", "Funder", "Municipality", "Source"]
    # Reference data a coordinator may also add, but never change or delete: a partner
    # municipality abroad that is not yet in the registry, added from the project form and
    # marked for the registry's staff to check (registry/admin_partners.py).
    added_by_coordinators = ["Municipality"]

    def ready(self):
        from registry import admin_confinement, change_stamp, validators

        # Each app's page_cache.py says what public pages show of it: every edit of that
        # moves the page cache's stamps (docs/caching.md).
        change_stamp.connect()
        checks.register(admin_confinement.check_declarations)
        # Every free-text field refuses control characters (registry/validators.py).
        validators.refuse_control_characters()
