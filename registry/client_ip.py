"""The address of the client a request comes from, for the sign-in lock-out (django-axes'
AXES_CLIENT_IP_CALLABLE).

Behind a reverse proxy every request arrives from the proxy's address, so a lock-out keyed on
REMOTE_ADDR would lock every visitor out together. With settings.TRUSTED_PROXY_COUNT = n (the
number of proxies in front of gunicorn, each appending the address it received the request
from to X-Forwarded-For), the client is the n-th address from the right of that header: the
one the outermost trusted proxy wrote. Addresses further left were sent by the client and are
never believed. Without a configured proxy the header is ignored, so a client cannot choose
its own address. (django-ipware would do the same; a few lines here spare a dependency.)
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if len(forwarded) < count:
        # Not through every proxy (e.g. a health check from inside): its own peer it is.
        return remote_addr
    address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return remote_addr
