"""Create or update a coordinator: a staff user who keeps one municipality's records.

Coordinators are few and trusted, so they are made from the command line rather than through
a sign-up page. The command sets everything a coordinator needs in one go (staff flag,
the Coordinators group and its permissions, the link to the municipality, a password), and
running it again with the same arguments changes nothing, so it also repairs a half-set-up
account or moves a coordinator to another municipality.
"""

from getpass import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.admin_accounts import administrators_group
from registry.admin_confinement import coordinators_group
from registry.models import Coordinator, Municipality


class Command(BaseCommand):
    help = "Create or update a coordinator who keeps one municipality's records in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--municipality", required=True, help="The slug of the municipality, e.g. kalix."
        )
        parser.add_argument(
            "--password",
            help="The password; without it you are asked for it twice. For an existing user, "
            "an empty answer keeps the current password.",
        )
        parser.add_argument("--email", default=None, help="The coordinator's e-mail address.")
        parser.add_argument(
            "--administrator",
            action="store_true",
            help="Also make them the municipality's administrator, who invites and removes its "
            "coordinators in the admin.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but save nothing."
        )

    def handle(
        self, *args, username, municipality, password, email, dry_run, administrator=False,
        **options,
    ):
        place = Municipality.objects.filter(slug=municipality).first()
        if place is None:
            raise CommandError(
                _(
                    "No municipality has the slug “%(slug)s”. Use the slug from its address "
                    "on the site, e.g. kalix for /municipalities/kalix/."
                )
                % {"slug": municipality}
            )
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            created = user is None
            if created:
                user = User(username=username)
            if password is None:
                password = self.ask_password(required=created)
            user.is_staff = True
            user.is_active = True
            if email is not None:
                user.email = email
            if password:
                try:
                    validate_password(password, user)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from None
                user.set_password(password)
            user.save()
            user.groups.add(coordinators_group())
            if administrator:
                user.groups.add(administrators_group())
            Coordinator.objects.update_or_create(user=user, defaults={"municipality": place})
            if dry_run:
                transaction.set_rollback(True)
        verb = ("would create" if created else "would update") if dry_run else (
            "created" if created else "updated"
        )
        role = "administrator" if administrator else "coordinator"
        self.stdout.write(f"add_coordinator: {verb} {username}, {role} for {place.name}.")

    def ask_password(self, required):
        password = getpass(_("Password: "))
        if not password and not required:
            return ""
        if getpass(_("Password (again): ")) != password:
            raise CommandError(_("The two passwords differ; nothing was changed."))
        if not password:
            raise CommandError(_("A new coordinator needs a password."))
        return password
