"""Uploaded files that public pages show (pictures), served from Django's default storage.

whitenoise serves only the static files collected at deploy time, and Django's own `static()`
helper serves media only with DEBUG on, so `make run` (DEBUG off) would show no picture. This
view reads through the storage API, so it serves whatever STORAGES["default"] is, on every
server of a deployment. Each stored name is new for every upload and never rewritten
(projects/pictures.py), so a browser or proxy may keep a file for a year without asking
again. A deployment that serves MEDIA_ROOT from its web server, or points MEDIA_URL at object
storage or a CDN, leaves this view unused (docs/operations.md, "Pictures").

Only names under settings.PUBLIC_MEDIA_PREFIXES are served: the same storage holds files no
visitor may fetch (background exports).
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

# A year: the longest max-age HTTP caches are asked to honour (RFC 9111).
MAX_AGE = 365 * 24 * 60 * 60


@require_safe
def media(request, name):
    if posixpath.normpath(name) != name or name.startswith(("/", "..")):
        raise Http404
    if not name.startswith(tuple(settings.PUBLIC_MEDIA_PREFIXES)):
        raise Http404
    try:
        file = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
