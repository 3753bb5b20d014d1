from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Reference data")

    def ready(self):
        from registry import change_stamp

        # Every change to data the public pages show moves the page cache's stamp.
        change_stamp.connect()
