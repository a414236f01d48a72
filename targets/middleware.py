from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user picked another language with the switch.

    Django's own middleware follows the browser's Accept-Language, which on an office PC set
    up in English would show officials an English page they never asked for.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A database outage shows a clear "try again shortly" page (503), not a server error.

    Writes run in transactions, so a request cut off by the outage leaves nothing half
    written; with CONN_HEALTH_CHECKS the next request reconnects once the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.shortcuts import render

        if isinstance(exception, OperationalError | InterfaceError):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"error": {"status": 503, "message": "The database is unavailable; try again shortly."}},
                                    status=503)
            return render(request, "503.html", status=503)
        return None
