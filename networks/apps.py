from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = _("Networks")

    # Its policies, as registry/apps.py explains them.
    public_reads = True
    municipality_owned = {
        "Membership": "municipality",
        "MembershipSource": "membership__municipality",
        # Translations of a member's role: edited in the membership's form.
        "MembershipTranslation": "membership__municipality",
    }
    reference_models = ["Network"]
