"""Views for machines rather than people."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from targets.pagecache import cache_healthy


@login_not_required
@require_safe
def ping(request):
    """A view that touches nothing: the benchmark's baseline for what the framework costs."""
    return HttpResponse("pong", content_type="text/plain")


@login_not_required
@require_safe
def healthz(request):
    """For load balancers: the process answers, every database (the replica too) is reachable and
    the release is whole (else 503). A cache that does not answer leaves the site working from the
    database: "degraded", still 200."""
    from targets.middleware import unavailable

    # Every configured database: with a read replica down, every dashboard is a 503 though the primary answers.
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:  # any database failure means "not healthy", whatever the driver raised
            return unavailable(request, error if alias == "default" else f"database {alias!r}: {error}")
    if problem := release_problem():
        response = JsonResponse({"status": "error", "release": problem}, status=503)
        # Said once per probe as a warning, not a server error mailed to ADMINS at every probe.
        logging.getLogger("targets.outage").warning("Release not ready, 503 for /healthz: %s", problem)
        response._has_been_logged = True
        return response
    if not cache_healthy():
        return JsonResponse({"status": "degraded", "cache": "unreachable"})
    return JsonResponse({"status": "ok"})


_release_ready = False  # once so, so for the life of the process: a new release is a new process


def release_problem() -> str | None:
    """What keeps this release from serving pages though the database answers: migrations not run
    (every sign-in a 500) or static files not collected (every page a 500). Checked until it
    passes once, so that a load balancer keeps a half-installed server out of service."""
    global _release_ready
    if _release_ready:
        return None
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return "migrations not applied: run manage.py migrate"
    if not settings.DEBUG:
        try:
            staticfiles_storage.url("css/app.css")
        except ValueError:
            return "static files not collected: run manage.py collectstatic"
    _release_ready = True
    return None


def bad_request(request, exception):
    """The 400 page (a wrong Host, a request too large to read), rendered without context
    processors: it may come before the signed-in user is known."""
    from django.template.loader import render_to_string

    return HttpResponse(render_to_string("400.html"), status=400)


def csrf_failure(request, reason=""):
    """A form whose security token no longer checks (a page left open past a sign-out or a
    restart of the browser): said in the site's words, with the way back, not Django's English page
    that mentions DEBUG. Django has already logged the reason (django.security.csrf)."""
    from django.shortcuts import render
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()) else "/"
    return render(request, "403_csrf.html", {"back": back}, status=403)


def server_error(request):
    """The 500 page: says the error was recorded and gives the request id to quote. A database
    failure that reached here (outside the outage middleware) still gets the 503 page, or the 409
    page when another transaction won a collision. Rendered without context processors: whatever
    failed may fail again."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.template.loader import render_to_string

    from targets import logs
    from targets.middleware import collided, collision, unavailable

    if collided(sys.exc_info()[1]):
        return collision(request)
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return unavailable(request, sys.exc_info()[1])
    if request.path.startswith("/api/"):  # the API's errors are JSON, this one too
        return JsonResponse({"error": {"status": 500, "message": "Server error, recorded for the administrators; quote "
                                                                  f"this code: {logs.current()}"}}, status=500)
    return HttpResponse(render_to_string("500.html", {"request_id": logs.current()}), status=500)
