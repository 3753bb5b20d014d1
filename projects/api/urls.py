from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from . import reference, views

app_name = "api"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path(
        "reference/",
        reference.api_reference,
        name="reference",
    ),
    path("projects/", views.ProjectList.as_view(), name="project-list"),
    path("projects/<slug:slug>/", views.ProjectDetail.as_view(), name="project-detail"),
    path("municipalities/", views.MunicipalityList.as_view(), name="municipality-list"),
    path(
        "municipalities/<slug:key>/",
        views.MunicipalityDetail.as_view(),
        name="municipality-detail",
    ),
    path("goals/", views.GoalList.as_view(), name="goal-list"),
    path("goals/<int:key>/", views.GoalDetail.as_view(), name="goal-detail"),
    path("countries/", views.CountryList.as_view(), name="country-list"),
    re_path(
        r"^countries/(?P<key>[A-Za-z]{2})/$", views.CountryDetail.as_view(), name="country-detail"
    ),
    path("funders/", views.FunderList.as_view(), name="funder-list"),
    path("funders/<slug:key>/", views.FunderDetail.as_view(), name="funder-detail"),
    path("networks/", views.NetworkList.as_view(), name="network-list"),
    path("networks/<slug:key>/", views.NetworkDetail.as_view(), name="network-detail"),
]
