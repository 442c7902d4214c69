"""Settings for parkportal, read from the environment.

Every variable is documented in docs/configuration.md. Without any of them
set, the project runs on its embedded default: SQLite, Celery tasks in
process, mail to the console.
"""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from parkportal.env import (
    database_from_url,
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PARKPORTAL_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "parkportal-insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "parkportal.core",
    "parkportal.accounts",
    "refunds",
    "risk",
    "finance",
    "operations",
    "parkportal.dashboard",
    "parkportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parkportal.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "parkportal.urls"
WSGI_APPLICATION = "parkportal.wsgi.application"
ASGI_APPLICATION = "parkportal.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'parkportal.sqlite3'}")
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; waiting beats failing with "database is
    # locked" when the in-process scheduler writes beside a request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # SQLite creates its file but not the folder, and a fresh clone has no
    # var/ yet.
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The dashboard's covering indexes carry extra columns on PostgreSQL;
# SQLite builds them on their keys alone, which is all the tests need.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "parkportal" / "static"]
STORAGES = {
    # Uploaded documents live outside the web root and are only ever served
    # through a view that checks who is asking.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "documents"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "documents"
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "parkportal@localhost")

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: with no broker configured, tasks run in the calling process so
# that the embedded default needs nothing beyond Python.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every operation documents the shared error body, not only the views
    # that name ErrorAwareSchema themselves.
    "DEFAULT_SCHEMA_CLASS": "parkportal.core.schema.ErrorAwareSchema",
    "DEFAULT_PAGINATION_CLASS": "parkportal.core.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "parkportal.core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "parkportal API",
    "DESCRIPTION": "Refund case management for economic parks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a choice field called "kind"; each set gets its own
    # name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "refunds.models.DocumentKind.choices",
        "LedgerEntryKindEnum": "finance.models.pool.EntryKind.choices",
        "CalendarDayKindEnum": "operations.models.calendar_days.DayKind.choices",
        "AlertKindEnum": "operations.models.sla.AlertKind.choices",
        "RiskControlKindEnum": "risk.models.ControlKind.choices",
    },
}

# The reserve pool's currency; every other currency is converted to it.
BASE_CURRENCY = "CNY"
SUPPORTED_CURRENCIES = env_list("SUPPORTED_CURRENCIES", "CNY,USD,EUR,HKD,JPY")
# Where the refund lifecycle asks for a currency's rate to CNY. Finance owns
# the rate table; the lifecycle only knows this dotted path.
FX_RATE_PROVIDER = env_str("FX_RATE_PROVIDER", "finance.fx.rate_to_cny")
POOL_LOW_WATERMARK = env_decimal("POOL_LOW_WATERMARK", "500000.00")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Operations (case owners, SLA clocks, alerts). Periodic tasks come from
# operations/schedule.py; other apps add theirs the same way. The deadline
# scan runs every OPERATIONS_SCAN_SECONDS (environment, default 60), read by
# operations/schedule.py.
from finance.schedule import BEAT_SCHEDULE as FINANCE_BEAT_SCHEDULE  # noqa: E402
from operations.schedule import BEAT_SCHEDULE as OPERATIONS_BEAT_SCHEDULE  # noqa: E402
from parkportal.core.schedule import BEAT_SCHEDULE as CORE_BEAT_SCHEDULE  # noqa: E402
from parkportal.dashboard.schedule import (  # noqa: E402
    BEAT_SCHEDULE as DASHBOARD_BEAT_SCHEDULE,
)
from refunds.schedule import BEAT_SCHEDULE as REFUNDS_BEAT_SCHEDULE  # noqa: E402
from risk.schedule import BEAT_SCHEDULE as RISK_BEAT_SCHEDULE  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    **CORE_BEAT_SCHEDULE,
    **REFUNDS_BEAT_SCHEDULE,
    **OPERATIONS_BEAT_SCHEDULE,
    **FINANCE_BEAT_SCHEDULE,
    **RISK_BEAT_SCHEDULE,
    **DASHBOARD_BEAT_SCHEDULE,
}
# Working hours of the business calendar, comma-separated windows in the
# park's time zone; SLA deadlines count only these hours on working days.
OPERATIONS_WORKING_HOURS = env_str(
    "OPERATIONS_WORKING_HOURS", "09:00-12:00,13:00-18:00"
)
# Share of a stage's target after which its owner gets a reminder.
OPERATIONS_REMINDER_SHARE = env_decimal("OPERATIONS_REMINDER_SHARE", "0.75")
# Days without visible progress after which the enterprise is told its case
# is still being handled.
OPERATIONS_NO_PROGRESS_DAYS = env_int("OPERATIONS_NO_PROGRESS_DAYS", 5)
# The "due soon" filter of the queues: deadlines within this many hours.
OPERATIONS_DUE_SOON_HOURS = env_int("OPERATIONS_DUE_SOON_HOURS", 24)
# Minutes after which the sweep mails a notification whose task was lost.
OPERATIONS_EMAIL_SWEEP_AFTER_MINUTES = env_int(
    "OPERATIONS_EMAIL_SWEEP_AFTER_MINUTES", 2
)
# OPERATIONS_ASSIGNMENT_WEIGHTS (optional, a dict state -> weight) overrides
# how much an open case in each state weighs in a specialist's workload;
# the defaults are in operations/conf.py.
# Risk: the API schema names the risk app's choice sets itself, so that
# they do not collide with other apps' fields called "status" or "outcome".
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "RiskResultStatusEnum": "risk.models.ResultStatus.choices",
        "RiskHoldStatusEnum": "risk.models.HoldStatus.choices",
        "RiskVersionStatusEnum": "risk.models.VersionStatus.choices",
        "RiskOutcomeEnum": "risk.models.Outcome.choices",
        "RiskThresholdOutcomeEnum": "risk.models.ThresholdOutcome.choices",
    }
)
# Finance: the account the reserve pool pays from, written into the
# pain.001 payment files (FINANCE_DEBTOR_NAME, FINANCE_DEBTOR_ACCOUNT,
# FINANCE_DEBTOR_BANK).
FINANCE_DEBTOR_NAME = env_str("FINANCE_DEBTOR_NAME", "Park Administration Committee")
FINANCE_DEBTOR_ACCOUNT = env_str("FINANCE_DEBTOR_ACCOUNT", "CN0000000000000000")
FINANCE_DEBTOR_BANK = env_str("FINANCE_DEBTOR_BANK", "Reserve pool bank")
# --- Reliability and security (docs/reliability.md) ---------------------

INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE = [
    # First, so that every later line of the request, and every task it
    # queues, carries the request id; then timing for the metrics.
    "parkportal.core.observability.RequestIdMiddleware",
    "parkportal.core.observability.MetricsMiddleware",
    *MIDDLEWARE,
    "csp.middleware.CSPMiddleware",
    "parkportal.core.security.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout into a 429 answer.
    "axes.middleware.AxesMiddleware",
]

LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING["filters"] = {
    "request_id": {"()": "parkportal.core.logging.RequestIdFilter"},
    "mask_accounts": {"()": "parkportal.core.logging.MaskAccountNumbersFilter"},
}
LOGGING["formatters"]["plain"]["format"] = (
    "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
)
LOGGING["formatters"]["json"] = {"()": "parkportal.core.logging.JsonFormatter"}
LOGGING["handlers"]["console"]["filters"] = ["request_id", "mask_accounts"]
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
# django-axes announces itself at every start; only its warnings matter.
LOGGING["loggers"] = {"axes": {"level": "WARNING"}}
# Workers log through the same handlers (and JSON format) as web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Publishing fails fast when the broker is down (one quick retry instead
# of kombu's several seconds): the outbox keeps the message and retries it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Bearer token a scraper must send to /metrics; open when empty.
METRICS_TOKEN = env_str("METRICS_TOKEN")
READYZ_BROKER_TIMEOUT = env_int("READYZ_BROKER_TIMEOUT", 2)

OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_BROKER_PAUSE_SECONDS = env_int("OUTBOX_BROKER_PAUSE_SECONDS", 10)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 7)
# A client retrying a payment POST must find its first answer for a day at
# least, whatever the setting says.
IDEMPOTENCY_RETENTION_HOURS = env_int("IDEMPOTENCY_RETENTION_HOURS", 48)
if IDEMPOTENCY_RETENTION_HOURS < 24:
    raise ImproperlyConfigured(
        "IDEMPOTENCY_RETENTION_HOURS must be 24 or more, "
        f"got {IDEMPOTENCY_RETENTION_HOURS}"
    )
# Exports wait this long for their download, then their files are deleted.
JOB_FILE_RETENTION_DAYS = env_int("JOB_FILE_RETENTION_DAYS", 7)
if JOB_FILE_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        f"JOB_FILE_RETENTION_DAYS must be 1 or more, got {JOB_FILE_RETENTION_DAYS}"
    )
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)

# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked out for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Number of reverse proxies in front of gunicorn whose X-Forwarded-For
# entries are trusted for the client address; none by default.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "parkportal.core.security.client_ip"
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT or None

REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "token_obtain": env_str("THROTTLE_TOKEN_OBTAIN", "10/min"),
    "submission": env_str("THROTTLE_SUBMISSION", "60/hour"),
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Probes come from the orchestrator over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
# The portal's own number formats where Django's differ from the park's
# practice (parkportal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["parkportal.formats"]
