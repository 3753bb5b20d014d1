"""What makes a view an embed: other sites may frame it, it is in the language the `lang`
parameter names (else the visitor's), and it sets no cookie.

Every other page refuses framing (X-Frame-Options DENY and the Content-Security-Policy's
frame-ancestors 'none', registry/settings.py). An embed's own policy is set by the view, so
the page cache stores it with the page and a cached embed may be framed as a fresh one is.
"""

from functools import wraps

from csp.utils import build_policy
from django.conf import settings
from django.utils import translation

CSP_HEADER = "Content-Security-Policy"
# Any site may frame an embed: that is what they are for, and they show only public data.
FRAME_ANCESTORS = ["*"]
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def chosen_language(request):
    """The `lang` parameter when it names one of the site's languages, else the visitor's."""
    code = request.GET.get("lang", "")
    return code if code in LANGUAGE_CODES else translation.get_language()


def embed(view):
    @wraps(view)
    def framed(request, *args, **kwargs):
        language = chosen_language(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        response.headers[CSP_HEADER] = build_policy(replace={"frame-ancestors": FRAME_ANCESTORS})
        response.xframe_options_exempt = True
        return response

    return framed
