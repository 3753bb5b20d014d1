from django.contrib import admin
from django.urls import include, path

from registry import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("projects/", include("projects.urls")),
    path("networks/", include("networks.urls")),
    path("", include("registry.public_urls")),
]
