"""The admin's inline of a record's translations (registry/translations.py): one row per
language other than the original's, with who made it and who reviewed it. Each app's admin
subclasses it for its translation models."""

from django.contrib import admin


class TranslationInline(admin.StackedInline):
    extra = 0
    max_num = 2  # The two languages other than the original's.

    def original_language(self, request, obj):
        """The language of the record's original: `obj.language`, or for a record being
        added, what its form starts with (None: unknown, every language is offered)."""
        return obj.language if obj is not None else None

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        original = self.original_language(request, obj)
        field = formset.form.base_fields["language"]
        # Only the languages other than the original's; the model's validation still refuses
        # the original's language when the form changes it.
        field.choices = [
            (code, name) for code, name in field.choices if not code or code != original
        ]
        return formset
