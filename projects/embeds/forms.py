"""The embed builder's form, and the words that say which filters an embed applies.

The filters the builder offers are the list's own (`ProjectFilter` in projects/filters.py):
their labels are read from its declarations and their options, values and order from the
list's filter form (projects/facets.py), so the snippet's parameters mean exactly what they
mean on /projects/ and the builder offers what the list offers.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import project_index
from ..facets import filter_groups
from ..filters import ProjectFilter
from ..models import Project
from ..open_data.oembed import project_of
from .sizes import HEIGHTS, project_card_height

# The list's filters the builder offers, in its order (a search and years are for the list).
OFFERED = ["municipality", "goal", "country", "funder", "network", "status", "type"]
KINDS = [
    ("list", _("A list of projects")),
    ("project", _("One project's card")),
    ("map", _("The map of partner countries")),
]
VIEWS = [("europe", _("Europe")), ("world", _("The whole world"))]


def offered_options():
    """{parameter: [(value, label)]}: the options the list's filter form offers with no filter
    chosen (projects/facets.py), in its order: the goals, partner countries, municipalities,
    funders and networks that have published projects, countries in the language's
    alphabetical order."""
    filterset = ProjectFilter({}, queryset=Project.objects.published())
    filterset.is_valid()
    return {
        group.name: [(option.value, option.label) for option in group.options]
        for group in filter_groups(filterset, project_index.current())
        if group.name in OFFERED
    }


class EmbedForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to show"), choices=KINDS, initial="list", widget=forms.RadioSelect
    )
    project = forms.CharField(
        label=_("Project"),
        required=False,
        max_length=300,
        help_text=_("For a card: the project's address in the registry, or its slug."),
    )
    view = forms.ChoiceField(label=_("Map"), choices=VIEWS, required=False)
    lang = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("the visitor's language")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = offered_options()
        for name in OFFERED:
            self.fields[name] = forms.ChoiceField(
                choices=[("", _("any")), *options[name]],
                required=False,
                label=ProjectFilter.base_filters[name].label,
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "project":
            text = cleaned.get("project", "").strip()
            project = (
                project_of(text)
                if "/" in text
                else (Project.objects.published().filter(slug=text).first() if text else None)
            )
            if project is None:
                self.add_error("project", _("Give the address or slug of a published project."))
            cleaned["project"] = project
        return cleaned

    def filter_query(self):
        """The chosen filters as the list's query parameters."""
        params = []
        for name in OFFERED:
            value = self.cleaned_data.get(name)
            if value:
                params.append((name, value.lower() if name == "country" else value))
        return params

    def embed(self, request):
        """The embed's address, its frame's title and height, and the snippet to copy."""
        kind = self.cleaned_data["kind"]
        params = []
        if kind == "project":
            project = self.cleaned_data["project"]
            path = reverse("embeds:project", args=[project.slug])
            title = project.title
        else:
            params = self.filter_query()
            if kind == "map" and self.cleaned_data.get("view") == "world":
                params.append(("view", "world"))
            path = reverse("embeds:list" if kind == "list" else "embeds:map")
            title = str(dict(KINDS)[kind])
        if self.cleaned_data.get("lang"):
            params.append(("lang", self.cleaned_data["lang"]))
        url = request.build_absolute_uri(path) + (f"?{urlencode(params)}" if params else "")
        height = project_card_height(project) if kind == "project" else HEIGHTS[kind]
        script = request.build_absolute_uri(static("js/embed.js"))
        snippet = format_html(
            '<iframe src="{}" title="{}" width="100%" height="{}" loading="lazy" '
            'style="border:0"></iframe>\n<script src="{}" async></script>',
            url,
            title,
            height,
            script,
        )
        return {"url": url, "title": title, "height": height, "snippet": snippet}


def applied_filters(filterset):
    """[(label, [value, …])] for each filter applied, in the filter's words: what an embedded
    list or map shows, said above it."""
    applied = []
    for name, value in filterset.form.cleaned_data.items():
        # Nothing chosen cleans to None, "", [] or an empty QuerySet.
        if name == "sort" or not value:
            continue
        field = filterset.form.fields[name]
        if isinstance(value, str):
            values = [value]
        elif hasattr(field, "choices") and not hasattr(field, "queryset"):
            labels = dict(field.choices)
            values = [str(labels.get(item, item)) for item in value]
        else:
            values = [str(item) for item in value]
        applied.append((str(field.label), values))
    return applied
