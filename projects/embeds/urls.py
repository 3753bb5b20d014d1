from django.urls import path

from . import views

app_name = "embeds"

urlpatterns = [
    path("embed/projects/", views.project_list, name="list"),
    path("embed/projects/<slug:slug>/", views.project_card, name="project"),
    path("embed/map/", views.country_map, name="map"),
    path("embed-builder/", views.builder, name="builder"),
]
