"""One settings module for every environment, read from the environment through django-environ.

Development needs nothing running (SQLite, Celery's filesystem broker); production sets
PRODUCTION=true and must then provide SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Production takes its settings from the process environment (systemd's EnvironmentFile) only:
# a stray .env in the release folder must not change a live deployment.
PRODUCTION = env.bool("PRODUCTION", default=False)
if not PRODUCTION:
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    # The embedded defaults (SQLite, filesystem broker, static files) live here; production
    # creates no folders on import (its code may sit on a read-only file system).
    VAR_DIR.mkdir(exist_ok=True)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "exotel",
    "allocations",
    "calls",
    "console",
    "sync",
    "audit",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    # First, so every log line of a request carries its ID.
    "greenpin_admin.logs.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "console.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "console.middleware.UserTimeZoneMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "greenpin_admin.urls"
WSGI_APPLICATION = "greenpin_admin.wsgi.application"

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
                "console.context_processors.provider_alerts",
                "console.context_processors.party_labels",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for the writer instead of failing at once.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:search"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True
USE_TZ = True
# Admin writes dates and times the way the console does (greenpin_admin/formats/en/).
FORMAT_MODULE_PATH = ["greenpin_admin.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from the app folders outside production, so gunicorn needs no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)

# Login throttling: the 6th failed login for one username from one address within the
# window is locked out. The address is REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies sit in
# front, so a forged X-Forwarded-For changes nothing.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Axes locks out on the failure that reaches its limit: allow LOGIN_FAILURE_LIMIT, lock the next.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5) + 1
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Content Security Policy: scripts and styles only from this site, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Web and Celery alike (workers take this LOGGING too): `json` writes one object per line with
# the request, user and task each line belongs to; `plain` is for reading in a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "greenpin_admin.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "greenpin_admin.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (a plain console one under DEBUG) would write its lines a
        # second time, unformatted and unfiltered: everything goes through the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "urllib3": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A worker's start ("… ready.") and stop lines, whatever LOG_LEVEL: an operator (and
        # the benchmarks) read them to know a worker is consuming.
        "celery.apps.worker": {"level": "INFO"},
    },
}

# --- Exotel -------------------------------------------------------------------------------
EXOTEL_ACCOUNT_SID = env("EXOTEL_ACCOUNT_SID", default="")
EXOTEL_TENANT_ID = env("EXOTEL_TENANT_ID", default="") or EXOTEL_ACCOUNT_SID
EXOTEL_EXOBRIDGE_TOKEN = env("EXOTEL_EXOBRIDGE_TOKEN", default="")
EXOTEL_API_KEY = env("EXOTEL_API_KEY", default="") or EXOTEL_ACCOUNT_SID
EXOTEL_API_TOKEN = env("EXOTEL_API_TOKEN", default="")
EXOTEL_GREENPIN_URL = env("EXOTEL_GREENPIN_URL", default="https://leadassist.exotel.in")
EXOTEL_CALLS_URL = env("EXOTEL_CALLS_URL", default="https://api.exotel.com")
EXOTEL_WEBHOOK_SECRET = env("EXOTEL_WEBHOOK_SECRET", default="")
EXOTEL_RATE_LIMIT_PER_MINUTE = env.int("EXOTEL_RATE_LIMIT_PER_MINUTE", default=200)
EXOTEL_TIME_ZONE = env("EXOTEL_TIME_ZONE", default="Asia/Kolkata")
EXOTEL_CONNECT_TIMEOUT = env.float("EXOTEL_CONNECT_TIMEOUT", default=3.05)
EXOTEL_READ_TIMEOUT = env.float("EXOTEL_READ_TIMEOUT", default=10.0)
# In-process retries of one request (commands and tasks alike): transient errors back off
# exponentially with jitter; a 429 is waited out only when Retry-After is short.
EXOTEL_MAX_ATTEMPTS = env.int("EXOTEL_MAX_ATTEMPTS", default=4)
EXOTEL_BACKOFF_BASE = env.float("EXOTEL_BACKOFF_BASE", default=0.5)
EXOTEL_MAX_RETRY_AFTER = env.float("EXOTEL_MAX_RETRY_AFTER", default=30.0)

RECORDING_ALLOWED_ORIGINS = env.list(
    "RECORDING_ALLOWED_ORIGINS",
    default=[
        "https://s3-ap-southeast-1.amazonaws.com",
        "https://s3.ap-southeast-1.amazonaws.com",
        "https://s3.ap-south-1.amazonaws.com",
        "https://s3-ap-south-1.amazonaws.com",
    ],
)
# ... and only from these folders on them ({account_sid} is filled in): Exotel's
# `exotelrecordings` bucket under this account, and the `exorecordings` bucket that the Call
# API's documented example names (https://s3.ap-south-1.amazonaws.com/exorecordings/...).
if "RECORDING_ALLOWED_PATH_PREFIX" in env.ENVIRON:
    # A renamed setting left in place would otherwise be ignored without a word.
    raise ImproperlyConfigured(
        "RECORDING_ALLOWED_PATH_PREFIX is now RECORDING_ALLOWED_PATH_PREFIXES, a comma list"
    )
RECORDING_ALLOWED_PATH_PREFIXES = env.list(
    "RECORDING_ALLOWED_PATH_PREFIXES",
    default=["/exotelrecordings/{account_sid}/", "/exorecordings/"],
)
ORDER_ID_KEY = env("ORDER_ID_KEY", default="order_id")
PHONE_REGION = env("PHONE_REGION", default="IN")

# What this deployment calls the two sides of an allocation (the caller side A, the called B).
A_PARTY_LABEL = env("A_PARTY_LABEL", default="A-party")
B_PARTY_LABEL = env("B_PARTY_LABEL", default="B-party")
# Where an order ID links to in the order system (`{order_id}` is replaced); empty: no link.
ORDER_URL_TEMPLATE = env("ORDER_URL_TEMPLATE", default="")

# How often an active allocation is refreshed, and how long after its expiry the final refresh runs.
ALLOCATION_REFRESH_INTERVAL = env.int("ALLOCATION_REFRESH_INTERVAL", default=300)
ALLOCATION_FINAL_REFRESH_DELAY = env.int("ALLOCATION_FINAL_REFRESH_DELAY", default=60)
SYNC_BATCH_SIZE = env.int("SYNC_BATCH_SIZE", default=200)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# The filesystem broker keeps messages and its exchange tables under var/ (never in the
# working directory, which may be the repository).
FILESYSTEM_BROKER_OPTIONS: dict[str, str | bool] = {
    "data_folder_in": str(VAR_DIR / "celery-broker"),
    "data_folder_out": str(VAR_DIR / "celery-broker"),
    "control_folder": str(VAR_DIR / "celery-control"),
    "processed_folder": str(VAR_DIR / "celery-processed"),
    "store_processed": False,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    if not PRODUCTION:
        (VAR_DIR / "celery-broker").mkdir(exist_ok=True)
        (VAR_DIR / "celery-control").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = FILESYSTEM_BROKER_OPTIONS
else:
    # Longer than any task's time limit and any countdown, so a slow task is never handed to
    # a second worker while the first still runs it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Queues are events, interactive, sync (see greenpin_admin/celery.py) and the default; a
# prefix lets several deployments (or test runs) share one Redis.
CELERY_QUEUE_PREFIX = env("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_PREFIX + "celery"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Demo (make run) -------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")

# --- Calls --------------------------------------------------------------------------------
# Recordings appear minutes after a call (up to 15 at peak); stop looking after this long.
CALL_RECORDING_DEADLINE = env.int("CALL_RECORDING_DEADLINE", default=3600)
# An allocation whose call_count runs ahead of its mirrored calls is searched again this often.
CALL_BACKFILL_INTERVAL = env.int("CALL_BACKFILL_INTERVAL", default=600)
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)

# --- Coordination across processes (rate limit, leases, circuit breaker) -----------------
# Redis when the broker is Redis; otherwise the database. COORDINATION_URL overrides.
COORDINATION_URL = env("COORDINATION_URL", default="")
COORDINATION_KEY_PREFIX = env("COORDINATION_KEY_PREFIX", default="greenpin:")
EXOTEL_RATE_LIMIT_WINDOW = env.float("EXOTEL_RATE_LIMIT_WINDOW", default=60.0)
EXOTEL_RATE_LIMIT_MARGIN = env.float("EXOTEL_RATE_LIMIT_MARGIN", default=1.0)
# After this many transient failures in a row, an API's circuit opens for the cool-down.
EXOTEL_CIRCUIT_THRESHOLD = env.int("EXOTEL_CIRCUIT_THRESHOLD", default=5)
EXOTEL_CIRCUIT_COOLDOWN = env.int("EXOTEL_CIRCUIT_COOLDOWN", default=60)
# After a 401, requests stop deployment-wide; one trial is let through this often.
EXOTEL_AUTH_RETRY_INTERVAL = env.int("EXOTEL_AUTH_RETRY_INTERVAL", default=300)
# A lease (one sync pass at a time) lasts this long and is renewed every third of it while
# its holder lives, so a killed holder frees it within this time.
LEASE_SECONDS = env.int("LEASE_SECONDS", default=60)
# A row claimed for one refresh or one pull is left alone by others this long (longer than a
# refresh with its retries takes); a claim whose holder died lapses after it.
ROW_CLAIM_SECONDS = env.int("ROW_CLAIM_SECONDS", default=120)
# A queue holding messages that no worker has taken from for this long fails /healthz; a
# prefork worker with a message waiting this long for a pool process restarts itself.
WORKER_STALL_TIMEOUT = env.int("WORKER_STALL_TIMEOUT", default=120)
# A pass stops picking up new work after this many seconds; the next pass goes on.
SYNC_PASS_BUDGET = env.int("SYNC_PASS_BUDGET", default=180)

# --- Retention (purged daily by a periodic task, or `manage.py purge`) ---------------------
CALL_EVENT_RETENTION_DAYS = env.int("CALL_EVENT_RETENTION_DAYS", default=90)
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=365)
ENDED_ALLOCATION_RETENTION_DAYS = env.int("ENDED_ALLOCATION_RETENTION_DAYS", default=180)
# An allocation page showing data older than this asks for a refresh and updates itself.
STALE_AFTER = env.int("STALE_AFTER", default=120)

# --- Operations: metrics and error reports ---------------------------------------------------
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`, and is a 404 while it is unset.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Error reports: SENTRY_DSN turns on Sentry (Django and Celery) with numbers and PINs masked.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env(
    "SENTRY_ENVIRONMENT", default="production" if PRODUCTION else "development"
)
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from greenpin_admin.error_reports import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# Hostile input: searches one person may run per minute (a search for a masked number's
# neighbours would otherwise unmask it), and the share of the Exotel request budget that
# GreenPin IDs first seen in call events may spend on being tracked.
SEARCH_RATE_LIMIT_PER_MINUTE = env.int("SEARCH_RATE_LIMIT_PER_MINUTE", default=60)
AUTO_TRACK_BUDGET_SHARE = env.float("AUTO_TRACK_BUDGET_SHARE", default=0.1)

# --- The HTTP API (console/api/) ------------------------------------------------------------
# Requests one token may make per period (DRF's spelling: 600/min, 10/s, 5000/hour), one rate
# per scope, counted for the whole deployment like the search limit. `manage.py check`
# refuses a rate it cannot read.
API_THROTTLE_TRACK = env("API_THROTTLE_TRACK", default="600/min")
API_THROTTLE_READ = env("API_THROTTLE_READ", default="1200/min")
REST_FRAMEWORK = {
    # Tokens only: no session, so no CSRF to forge and no person's permissions.
    "DEFAULT_AUTHENTICATION_CLASSES": ["console.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["console.api.permissions.HasTokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["console.api.throttles.TokenScopeThrottle"],
    "DEFAULT_PARSER_CLASSES": ["console.api.parsing.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "console.api.parsing.JSONOnlyNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GreenPin Admin API",
    "DESCRIPTION": (
        "For the systems around the support console: the order system tracks the allocations "
        "it creates, the helpdesk reads allocations and calls. `Authorization: Bearer <token>`, "
        "a token from `manage.py create_api_token NAME --scope track|read|reveal`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # The choices are described in each field's own words.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}
