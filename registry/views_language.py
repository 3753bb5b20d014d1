"""The language switcher's target: plain links, so public pages need no form, no CSRF cookie,
and can be cached and shared (see registry.middleware.PageCacheMiddleware)."""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache


@never_cache
def set_language(request, code):
    """/language/<code>/?next=<path and query>: remembers the language in the language cookie
    and returns to `next` (the same page and query), or to the home page when `next` is
    missing or leads to another site. An unknown language is 404.

    A GET, unlike Django's set_language (a POST): choosing a language changes nothing but
    this visitor's cookie, so there is nothing to forge; the links carry rel="nofollow"."""
    if code not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
