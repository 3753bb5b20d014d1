"""Strings of Django's admin and of third-party apps that the project's catalogs translate.

Django reads the project's catalogs (LOCALE_PATHS) before any app's, so a string listed here and
translated in locale/ replaces the app's own translation, or supplies one where the app has
none: django-import-export and django-axes have neither Swedish nor Latvian, django-reversion no
Latvian (Latvian then fell back to Swedish, the default language) and a Swedish one with typos,
django-otp neither. Nothing calls these; they are here for `makemessages` to find.

Latvian declines nouns, and Django's generic phrases put a model's name where the grammar wants
another case ("Pievienot projekts" for "Add project"). Rather than a Latvian name per case and
model, the Latvian phrases name the record ("ieraksts") and give the model's name as a label
after a colon or in brackets, in the nominative, which reads right for every model:
"Pievienot ierakstu: projekts", "Ieraksts “Kalix–Rēzekne” (projekts) saglabāts.".
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_ADMIN = [
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may add another {name} below."
    ),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s \"%(escaped_object)s\"? All of the "
        "following related items will be deleted:"
    ),
    gettext_noop(
        "Are you sure you want to delete the selected %(objects_name)s? All of the following "
        "objects and their related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the following "
        "protected related objects:"
    ),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
        "count",
    ),
]

IMPORT_EXPORT = [
    gettext_noop("Import"),
    gettext_noop("Export"),
    gettext_noop("Export selected %(verbose_name_plural)s"),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct "
        "format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    ngettext_lazy("Export %(len)s selected item.", "Export %(len)s selected items.", "len"),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("Select all"),
    gettext_noop("Submit"),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, click "
        "'Confirm import'"
    ),
    gettext_noop("Confirm import"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the "
        "form above."
    ),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Preview"),
    gettext_noop("New"),
    gettext_noop("Skipped"),
    gettext_noop("Delete"),
    gettext_noop("Update"),
    gettext_noop("Value could not be parsed."),
    gettext_noop("export failed due to IllegalCharacterError"),
]

REVERSION = [
    gettext_noop("Initial version."),
    gettext_noop("Deleted %(verbose_name)s."),
    gettext_noop("Recover deleted %(name)s"),
    gettext_noop("Reverted to previous version, saved on %(datetime)s"),
    gettext_noop(
        'The %(model)s "%(name)s" was reverted successfully. You may edit it again below.'
    ),
    gettext_noop("Recover %(name)s"),
    gettext_noop("Revert %(name)s"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object."
    ),
    gettext_noop("Date/time"),
    gettext_noop("User"),
    gettext_noop("Comment"),
    gettext_noop(
        "This object doesn't have a change history. It probably wasn't added via this admin site."
    ),
    gettext_noop("Press the save button below to recover this version of the object."),
    gettext_noop("Choose a date from the list below to recover a deleted version of an object."),
    gettext_noop("There are no deleted objects to recover."),
    gettext_noop("History"),
    gettext_noop("Press the save button below to revert to this version of the object."),
]

AXES_AND_OTP = [
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Logout Time"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    gettext_noop("Verification of the token is currently disabled"),
]

# Django's own Latvian, corrected: a field name put where the grammar wants another case
# ("pareizu lietotājvārds"), plural forms in the wrong slots ("vismaz 8 rakstzīmei"), and the
# informal "tu" in screens coordinators see, where the rest of the admin says "jūs".
DJANGO_LATVIAN = [
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that "
        "both fields may be case-sensitive."
    ),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be "
        "case-sensitive."
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "count",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("Your password was changed."),
    gettext_noop("Your password has been set.  You may go ahead and log in now."),
    gettext_noop("You may edit it again below."),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related "
        "objects, but your account doesn't have permission to delete the following types of "
        "objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but "
        "your account doesn't have permission to delete the following types of objects:"
    ),
]


def name_third_party_apps():
    """Names in the reader's language for the third-party apps and models the admin lists:
    django-axes, django-otp's plugins and django-tasks-db name them in English only (or by
    their label, "Otp_Totp"), and their models' options offer no other way in. Called once,
    when the admin is set up (registry/admin.py)."""
    from django.apps import apps

    names = {
        "axes": _("Sign-in attempts"),
        "otp_totp": _("Authenticator apps"),
        "otp_static": _("Backup codes"),
        "django_tasks_database": _("Background jobs"),
    }
    models = {
        ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
        ("otp_static", "staticdevice"): (_("set of backup codes"), _("sets of backup codes")),
        ("django_tasks_database", "dbtaskresult"): (_("background job"), _("background jobs")),
    }
    for label, name in names.items():
        if label in apps.app_configs:
            apps.app_configs[label].verbose_name = name
    for (label, model_name), (singular, plural) in models.items():
        try:
            options = apps.get_model(label, model_name)._meta
        except LookupError:
            continue
        options.verbose_name, options.verbose_name_plural = singular, plural
