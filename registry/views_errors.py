"""The 404 page: the admin's look under the admin's address, the site's everywhere else.

A coordinator who opens an admin address that does not exist, or one of another
municipality's records (which the admin answers as not found), stays in the admin: its header,
their menu and a way back, in their language, instead of the public site's page and its links
to the public project list."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.defaults import page_not_found


def not_found(request, exception=None):
    if request.path.startswith(reverse("admin:index")):
        context = {**admin.site.each_context(request), "title": gettext("Page not found")}
        response = TemplateResponse(request, "admin/404.html", context, status=404)
        return response.render()
    return page_not_found(request, exception)
