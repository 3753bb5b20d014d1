from django.urls import path

app_name = "networks"

urlpatterns = []
