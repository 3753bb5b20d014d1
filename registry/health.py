"""/healthz, for the load balancer and uptime monitoring."""

import logging

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 when the app can connect to its primary database and query it, 503 otherwise: a
    load balancer then stops sending traffic here until the database answers again.

    The check opens a connection of its own each time rather than reusing the worker's: a new
    connection gives up within DATABASE_CONNECT_TIMEOUT even when the server's processes are
    frozen, where a query on an open connection would wait until gunicorn's timeout."""
    connection = connections["default"].copy()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check failed: the database did not answer.", exc_info=True)
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    finally:
        connection.close()
    return JsonResponse({"status": "ok", "database": "ok"})
