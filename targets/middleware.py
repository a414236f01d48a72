import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext_lazy

from targets.language import PAGE_LANGUAGE

outage_log = logging.getLogger("targets.outage")


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user picked another language with the switch.

    Django's own middleware follows the browser's Accept-Language, which on an office PC set
    up in English would show officials an English page they never asked for.

    A form is read, and answered, in the language of the page it was typed on (its hidden
    PAGE_LANGUAGE field), whatever the choice became since: switched to English in another tab, a
    Vietnamese page's "550,875" (550.875) would be read as the English 550875, and an untouched
    save store it.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.method == "POST" and request.POST.get(PAGE_LANGUAGE) in dict(settings.LANGUAGES):
            chosen = request.POST[PAGE_LANGUAGE]
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A database outage shows a clear "try again shortly" page (503), not a server error.

    Placed right after authentication: the signed-in user is loaded here, inside the handler,
    because the next middleware (login required) reads it before any view runs, where a view's
    exception handler would never see the failure. Exceptions from the view itself come through
    process_exception. Writes run in transactions, so a request cut off by the outage leaves
    nothing half written; with CONN_HEALTH_CHECKS the next request reconnects once the database
    is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import InterfaceError, OperationalError

        try:
            request.user.is_authenticated  # noqa: B018 (loads the session and the user now, inside this handler)
        except (OperationalError, InterfaceError) as error:
            return unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if collided(exception):
            return collision(request)
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable(request, exception)
        return None


# What PostgreSQL answers when it rolls a transaction back to let another one through: a
# serialization failure or a deadlock. The database is up; the same request sent again succeeds.
COLLISION_CODES = {"40001", "40P01"}


def collided(exception: BaseException | None) -> bool:
    """Whether the request's transaction was rolled back because another one wrote at the same
    moment: PostgreSQL's error itself (raised through psycopg2's own cursor, as bulk writes are)
    or Django's, which names it as its cause."""
    return any(getattr(error, "pgcode", None) in COLLISION_CODES for error in (exception, getattr(exception, "__cause__", None)))


def collision(request):
    """The 409 answer: nothing of the request was saved, and sending it again will do."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):  # the API's errors are in English, as its other messages
        return JsonResponse({"error": {"status": 409, "message": "Another write collided with this one, so nothing of it "
                                                                 "was saved; send it again."}}, status=409)
    message = _("Someone else saved at the same moment, so nothing you sent was saved. Go back and send it again.")
    return HttpResponse(render_to_string("409.html", {"message": message, "back": "/" + request.get_full_path().lstrip("/")}), status=409)


def unavailable(request, error: BaseException | str | None = None):
    """The 503 answer: JSON for the API and the health check, else the page. Rendered without the
    request's context processors, which would try to load the user from the missing database again.

    An outage is logged as a warning with its reason, once per request, and not as a server error:
    Django would log each 503 at ERROR (without the request id) and mail it to ADMINS, hundreds of
    mails for one outage with a load balancer probing /healthz."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"status": 503, "message": "The database is unavailable; try again shortly."}},
                                status=503)
    elif request.path == "/healthz":
        response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "60"
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0] if error is not None else "no reason given"
    outage_log.warning("Database unavailable, 503 for %s %s: %s", request.method, request.path, reason)
    response._has_been_logged = True
    return response


NUL_REFUSED = gettext_lazy("The request holds a NUL character, which no field accepts.")


class RefuseNulMiddleware:
    """No NUL character reaches a view: PostgreSQL cannot store or even compare it, so a view
    passing such a value to a query would fail with a server error.

    In the path or the query string it is refused with a 400. In a submitted form it becomes the
    SUBSTITUTE control character (U+001A, meant for exactly this), which the fields' control
    character check refuses with a message, so the rest of what the person typed is not lost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import override

            if request.path.startswith("/api/"):
                with override("en"):  # as the API's other errors
                    return JsonResponse({"error": {"status": 400, "message": str(NUL_REFUSED)}}, status=400)
            return HttpResponseBadRequest(str(NUL_REFUSED), content_type="text/plain; charset=utf-8")
        if request.method == "POST" and any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists()):
            form = request.POST.copy()
            for key, values in list(form.lists()):
                del form[key]
                form.setlist(key.replace("\x00", "\x1a"), [v.replace("\x00", "\x1a") for v in values])
            request.POST = form
        return self.get_response(request)


class SignInFirstMiddleware(LoginRequiredMiddleware):
    """Django's: anonymous users see the login page only. A form sent after the sign-in lapsed (a
    page left open over lunch) is said, on the login page, not to have been saved, rather than
    dropped without a word."""

    def handle_no_permission(self, request, view_func):
        if request.method == "POST":
            messages.warning(request, gettext_lazy("Your sign-in had ended, so what you sent was not saved. Sign in, then "
                                                   "enter it again."))
        return super().handle_no_permission(request, view_func)
