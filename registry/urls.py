from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from registry import health, media, views_language


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for wherever a page declares no icon: the site's own
    SVG icon, at its static address of the moment (hashed by the manifest, so not a permanent
    redirect: the address changes with the icon)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


# The apps built on this one are named by string only: registry imports neither.
urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    # The language switcher's links (they replace Django's POST-only i18n/setlang/, whose
    # form put a CSRF cookie on every public page).
    path("language/<str:code>/", views_language.set_language, name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    # Pictures from the default storage, when MEDIA_URL is this site's own (registry/media.py).
    *(
        [path(f"{settings.MEDIA_URL.lstrip('/')}<path:name>", media.media, name="media")]
        if settings.MEDIA_URL.startswith("/")
        else []
    ),
    path("projects/", include("projects.urls")),
    # Open data and the embeds for other sites (docs/open-data.md).
    path("api/", include("projects.api.urls")),
    path("", include("projects.open_data.urls")),
    path("", include("projects.embeds.urls")),
    # Home, goals, countries, municipalities, funders, networks, the sitemap, the feed and
    # the accessibility statement, in the registry and networks namespaces.
    path("", include("projects.pages.urls")),
]

# Under the admin's address a 404 keeps the admin's look; elsewhere it is the site's page.
handler404 = "registry.views_errors.not_found"
