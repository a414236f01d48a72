"""Settings for the emulation targets dashboard, read from the environment.

Every setting that differs between a developer's machine and production comes from an
environment variable with a safe local default; bad values fail loudly at start-up rather
than half-working.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, what: str = "a whole number") -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be {what}, not {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str) -> dict:
    """postgres://user:password@host:port/name?option=value → Django DATABASES entry.

    A `host` query parameter (a socket directory, as the embedded server gives) wins over
    the network location; other query parameters become connection OPTIONS.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme!r}")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = options.pop("host", None) or unquote(parts.hostname or "")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 0, "a whole number of seconds"),
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
# The site's address with its port when it is not 443 (https://thidua.example.gov.vn:8443): forms
# posted from it are otherwise refused as coming from elsewhere.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Demo mode allows `seed_demo` and shows the "demo data" banner; on by default only in DEBUG.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

# The admin's history pages show past versions; none is put back from there (targets.admin.refuse_revert).
SIMPLE_HISTORY_REVERT_DISABLED = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "simple_history",
    "axes",
    "targets",
]

MIDDLEWARE = [
    # First: every log line of the request, and its answer, carry the request's id.
    "targets.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files (Bootstrap, Chart.js) when DEBUG is off, no nginx needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "targets.middleware.VietnameseFirstLocaleMiddleware",
    # Before anything reads a parameter into a query: PostgreSQL cannot take a NUL character.
    "targets.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Loads the signed-in user inside its handler: a database outage is a 503 page on every path.
    "targets.middleware.DatabaseUnavailableMiddleware",
    # Anonymous users see the login page only; views open to them say so explicitly.
    "targets.middleware.SignInFirstMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns repeated failed logins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "emulation.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "targets.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "emulation.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    # The embedded server is a developer's convenience: a production process started without the
    # site's environment (a cron line, a shell where the env file was not read) must not quietly
    # start an empty database of its own and back it up, restore into it or serve it.
    if not DEBUG:
        raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off (the embedded PostgreSQL is for development)")
    from emulation import embedded_db

    DATABASE_URL = embedded_db.database_url()
DATABASES = {"default": parse_database_url(DATABASE_URL)}
# A read replica for dashboard reads (see emulation/db_router.py and docs/deployment.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = parse_database_url(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["emulation.db_router.ReplicaRouter"]

# Rendered dashboard content is cached under the data version that PostgreSQL moves with every
# write (targets/versions.py), so any cache is correct: each process's own memory by default, or
# Redis (REDIS_URL) to share the copies between processes and servers. Redis is optional and may
# fail: pages are then built from PostgreSQL (targets/pagecache.py). Sessions always come from
# PostgreSQL; signed-in users are cached under the users version that PostgreSQL moves.
if os.environ.get("REDIS_URL"):
    if urlsplit(os.environ["REDIS_URL"]).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must be a redis://, rediss:// or unix:// URL, not {os.environ['REDIS_URL']!r}")
    # Keys name the database they were computed from: two sites (or a benchmark's databases)
    # sharing one Redis must never serve each other's dashboards.
    _db = DATABASES["default"]
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"],
                          "KEY_PREFIX": f"emulation:{_db.get('HOST', '')}:{_db.get('PORT', '')}/{_db['NAME']}",
                          # A Redis that stops answering costs a page half a second at most, not a hang.
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
              # What each process served last, beside Redis: no round trip for the pages read most
              # (targets/pagecache.py; docs/benchmarks.md has the measurement).
              "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "emulation-local",
                        "OPTIONS": {"MAX_ENTRIES": 200}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "emulation"}}
# {% cache %} fragments of the page frame (templates/base.html): they depend on the release, the
# language and the user's roles only, never on data, so each process keeps its own and a restart
# (any new release) starts afresh. While developing (DEBUG) templates change under a running
# server, so nothing is kept.
CACHES["template_fragments"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache" if DEBUG else
                                "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "emulation-fragments"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures per username and address first
    "targets.access.CachedUsersBackend",  # Django's ModelBackend; the user kept under the users version
]
# Five wrong passwords for the same username from the same address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, "a whole number of minutes"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# Its log line names the account and the address (Django never logs a password): an operator asked
# to free an account, or watching one being guessed at, must see which and from where.
AXES_SENSITIVE_PARAMETERS = []
# Proxies in front (nginx: 1). Failed sign-ins are counted per username and client address, and
# behind a proxy every request comes from the proxy's: without this, five wrong passwords from
# anywhere would hold the account for everyone (targets.access.client_ip).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "targets.access.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day first, as the province writes them (emulation/formats/en/formats.py).
FORMAT_MODULE_PATH = ["emulation.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Django's finders, answering "not found" (not a server error) for /static/../anything.
STATICFILES_FINDERS = ["targets.staticfinders.FileSystemFinder", "targets.staticfinders.AppDirectoriesFinder"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if not DEBUG
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PORT = env_int("PORT", 8000, "a port number")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "thidua@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, "a port number")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that does not answer costs the page that sends (a return, the reminders) this
# many seconds, then the page says the mail did not go (targets/workflow.py), never a hang.
EMAIL_TIMEOUT = 10


def parse_admins(raw: str) -> list[tuple[str, str]]:
    """ADMINS="Trần Văn A <a@example.org>, b@example.org" → [(name, address), …]."""
    admins = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, _, address = item.rpartition("<")
        address = address.rstrip(">").strip()
        if "@" not in address:
            raise ImproperlyConfigured(f"ADMINS must list e-mail addresses, not {item!r}")
        admins.append((name.strip() or address, address))
    return admins


# --- logging --------------------------------------------------------------------------------
# Everything goes to stderr (gunicorn and systemd keep it: docs/deployment.md), one line per
# record with the request id; every server error also goes by e-mail to ADMINS when set.
ADMINS = parse_admins(os.environ.get("ADMINS", ""))
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {os.environ['LOG_LEVEL']!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "targets.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "without_traceback": {"()": "targets.logs.WithoutTraceback"},
    },
    "formatters": {
        # With the offset: gunicorn's own lines are in UTC, the site's in TIME_ZONE.
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S%z"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "filters": ["request_id"], "formatter": "line"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR",
                        "filters": ["require_debug_false", "request_id"]},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # 500s (with their traceback) and errors; 4xx answers are the access log's business.
        "django.request": {"handlers": ["stderr", "mail_admins"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stderr", "mail_admins"], "level": "WARNING", "propagate": False},
        # Any scanner reaching the server by its address sends a wrong Host: one line, not mailed.
        "django.security.DisallowedHost": {"handlers": ["stderr"], "filters": ["without_traceback"], "propagate": False},
        "targets": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- security ---------------------------------------------------------------------------------
# Pages carry no inline script or style: Chart.js data travels in json_script elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "targets.views.system.csrf_failure"
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8, "a whole number of hours") * 3600
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Behind nginx terminating TLS: it sets X-Forwarded-Proto (see docs/deployment.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, "a whole number of seconds")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
