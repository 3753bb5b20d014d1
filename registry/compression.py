"""HTML, JSON and XML compressed in transit, for public reads only.

Compression and a secret in the same body make the secret guessable by an attacker who can
add text to the page and watch the compressed sizes (BREACH). A public page holds no secret:
it is the same for every visitor without a session, has no form that posts (no CSRF token)
and sets no cookie. So only such responses are compressed: a GET or HEAD outside the admin,
from a visitor without a session cookie, that sets no cookie. The admin, the sign-in pages and
anything a coordinator sees (their pages carry the CSRF token and their own data) stay
uncompressed. Django's GZipMiddleware adds random padding as well ("Heal the BREACH").

Streamed downloads (the exports) are left as they are: their chunked ending is what tells a
client that a download was cut short (projects/export_views.py), and a CSV or XLSX is fetched
once, not read as a page. Static files come compressed from whitenoise already.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware

from .middleware import is_public_read

COMPRESSED_TYPES = (
    "text/html",
    "application/json",
    "application/xml",
    "application/rdf+xml",
    "application/vnd.oai.openapi+json",
    "application/activity+json",
)


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not self.may_compress(request, response):
            return response
        return super().process_response(request, response)

    @staticmethod
    def may_compress(request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        return (
            is_public_read(request)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not response.cookies
            and not response.streaming
            and content_type in COMPRESSED_TYPES
        )
