from django.urls import path

from . import views

app_name = "open_data"

urlpatterns = [
    path("datasets/dcat", views.dcat_catalogue, name="dcat"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("oembed", views.oembed_view, name="oembed"),
]
