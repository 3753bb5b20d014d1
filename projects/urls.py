from django.urls import path

from . import contact, export_views, views
from .open_data import views as open_data_views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.csv", export_views.export_csv, name="export_csv"),
    path("export.xlsx", export_views.export_xlsx, name="export_xlsx"),
    path("export.json", export_views.export_json, name="export_json"),
    path("export.iati.xml", open_data_views.export_iati, name="export_iati"),
    path("exports/<uuid:job_id>/", export_views.export_job, name="export_job"),
    path("exports/<uuid:job_id>/download", export_views.export_download, name="export_download"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/contact/", contact.project_contact, name="contact"),
]
