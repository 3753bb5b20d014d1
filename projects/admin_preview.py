"""A draft seen exactly as it will look once published, by those who may edit it.

The public project page answers 404 for a draft, so Django's "View on site" led nowhere. The
preview renders the public page's own template and context (projects.views.detail_context)
inside the admin: behind its sign-in, confined like every admin page (another municipality's
project is 404, as is one the user may not change), never cached, with a marker saying it is a
preview and a robots "noindex".
"""

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from projects.views import detail_context


class DraftPreviewMixin:
    """For ProjectAdmin: /admin/projects/project/<id>/preview/, and "View on site" leading
    there for a draft."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(never_cache(self.preview_view)),
                name=f"{opts.app_label}_{opts.model_name}_preview",
            ),
            *super().get_urls(),
        ]

    def get_view_on_site_url(self, obj=None):
        if obj is not None and obj.pk and not obj.is_published:
            opts = self.model._meta
            return reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_preview",
                args=[obj.pk],
            )
        return super().get_view_on_site_url(obj)

    def preview_view(self, request, object_id):
        project = self.get_object(request, unquote(object_id))  # 404 beyond the confinement
        if project is None or not self.has_change_permission(request, project):
            raise Http404
        project = self.model.objects.for_detail().get(pk=project.pk)
        context = {
            **detail_context(project),
            "preview": True,
            "change_url": reverse(
                f"{self.admin_site.name}:projects_project_change", args=[project.pk]
            ),
        }
        return TemplateResponse(request, "admin/projects/project/preview.html", context)
