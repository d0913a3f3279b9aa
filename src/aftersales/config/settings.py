"""Settings, all from the environment (django-environ). See the README's configuration table."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[3]  # the checkout: src/aftersales/config → ../../..
env = environ.Env()

ENVIRONMENT = env.str("AFTERSALES_ENV", default="development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise environ.ImproperlyConfigured(
        f"AFTERSALES_ENV must be development, production or test, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

VAR_DIR = Path(env.str("AFTERSALES_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    # Refuse to start without a real secret.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise environ.ImproperlyConfigured(
            "AFTERSALES_ENV=production refuses to start without SECRET_KEY: set it to 50 or more "
            "random characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)

DEBUG = env.bool("AFTERSALES_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.orders",
    "aftersales.policy",
    "aftersales.returns",
    "aftersales.cases",
    "aftersales.complaints",
    "aftersales.notify",
    "aftersales.refunds",
    "aftersales.web",
    "aftersales.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aftersales.core.middleware.ApiProblemMiddleware",
    "aftersales.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftersales.core.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.config.urls"
WSGI_APPLICATION = "aftersales.config.wsgi.application"
ASGI_APPLICATION = "aftersales.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.web.context.navigation",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default (WAL, immediate transactions), PostgreSQL by URL.
# An empty DATABASE_URL means "not set", as for every other variable here.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'aftersales.sqlite3'}"
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue on busy_timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Connections are kept between requests (on SQLite too: reconnecting re-runs the PRAGMAs).
_db.setdefault("CONN_MAX_AGE", env.int("AFTERSALES_DB_CONN_MAX_AGE", default=60))
_db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory by default; Redis when REDIS_URL is set (shared by all processes).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work through the django-tasks API: the database backend by default,
# RQ on Redis for scale-out.
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if ENVIRONMENT == "test":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Accounts
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("AFTERSALES_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AFTERSALES_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

# --- Internationalisation: zh-Hans and en from the first page; stored in UTC, shown in Shanghai.
LANGUAGE_CODE = env.str("AFTERSALES_DEFAULT_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "aftersales" / "locale"]
TIME_ZONE = env.str("AFTERSALES_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: WhiteNoise serves them, so `make run` needs no web server in front.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # development serves straight from the apps
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files (case evidence) go to an S3-compatible bucket when one is named (AWS S3,
# MinIO, Aliyun OSS, Tencent COS …); keys left empty fall back to boto3's credential chain.
AFTERSALES_S3_BUCKET = env.str("AFTERSALES_S3_BUCKET", default="")
if AFTERSALES_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AFTERSALES_S3_BUCKET,
            "endpoint_url": env.str("AFTERSALES_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("AFTERSALES_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AFTERSALES_S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("AFTERSALES_S3_REGION", default="") or None,
            "default_acl": None,  # private objects: the API streams them to whoever may see them
            "file_overwrite": False,
        },
    }

# --- Request limits: the API refuses bodies over this size with 413 problem+json.
AFTERSALES_MAX_REQUEST_BYTES = env.int("AFTERSALES_MAX_REQUEST_BYTES", default=1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = AFTERSALES_MAX_REQUEST_BYTES
# Evidence uploads (POST /cases/{id}/evidence) alone may send up to this much in one request;
# each file is then held to the limit of its kind.
AFTERSALES_MAX_UPLOAD_BYTES = env.int("AFTERSALES_MAX_UPLOAD_BYTES", default=110 * 1024 * 1024)
AFTERSALES_EVIDENCE_MAX_FILES = env.int("AFTERSALES_EVIDENCE_MAX_FILES", default=9)
AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES = env.int(
    "AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES", default=10 * 1024 * 1024
)
AFTERSALES_EVIDENCE_MAX_VIDEO_BYTES = env.int(
    "AFTERSALES_EVIDENCE_MAX_VIDEO_BYTES", default=100 * 1024 * 1024
)
AFTERSALES_EVIDENCE_MAX_PDF_BYTES = env.int(
    "AFTERSALES_EVIDENCE_MAX_PDF_BYTES", default=20 * 1024 * 1024
)
# Carriers sign their tracking webhooks with these (carrier code → secret): "sf=…,jd=…".
# Outside production the built-in fake carrier has a known secret, so the demo can post.
AFTERSALES_CARRIER_WEBHOOK_SECRETS = env.dict("AFTERSALES_CARRIER_WEBHOOK_SECRETS", default={})
if not PRODUCTION:
    AFTERSALES_CARRIER_WEBHOOK_SECRETS.setdefault("fake", "fake-carrier-development-secret")
AFTERSALES_IDEMPOTENCY_RETENTION_HOURS = env.int(
    "AFTERSALES_IDEMPOTENCY_RETENTION_HOURS", default=48
)

# --- Refunds: maker/checker, arrival times, the payment provider (docs/refunds.md).
AFTERSALES_REFUND_APPROVAL_THRESHOLD = env.str(
    "AFTERSALES_REFUND_APPROVAL_THRESHOLD", default="5000.00"
)
AFTERSALES_CARD_REFUND_WORKING_DAYS = env.int("AFTERSALES_CARD_REFUND_WORKING_DAYS", default=3)
AFTERSALES_REFUND_PROVIDER = env.str("AFTERSALES_REFUND_PROVIDER", default="fake")
AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS = env.int(
    "AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS", default=60
)
AFTERSALES_REFUND_PROVIDER_SECRETS = {
    "fake": env.str("AFTERSALES_FAKE_PROVIDER_SECRET", default="")
    or ("" if PRODUCTION else "whsec_fake_" + SECRET_KEY[-16:])
}
AFTERSALES_FAKE_PROVIDER_DELAY = env.float("AFTERSALES_FAKE_PROVIDER_DELAY", default=0.0)
AFTERSALES_FAKE_PROVIDER_FAILURE_RATE = env.float(
    "AFTERSALES_FAKE_PROVIDER_FAILURE_RATE", default=0.0
)
AFTERSALES_FAKE_PROVIDER_TRANSIENT_RATE = env.float(
    "AFTERSALES_FAKE_PROVIDER_TRANSIENT_RATE", default=0.0
)

# --- Personal data: Fernet keys (newest first; older ones still decrypt, for rotation) and
# a separate key for the keyed hash used for exact lookup by phone.
if PRODUCTION:
    AFTERSALES_PII_KEYS = env.list("AFTERSALES_PII_KEYS")
    AFTERSALES_PII_HASH_KEY = env.str("AFTERSALES_PII_HASH_KEY")
else:
    AFTERSALES_PII_KEYS = env.list("AFTERSALES_PII_KEYS", default=[])
    AFTERSALES_PII_HASH_KEY = env.str("AFTERSALES_PII_HASH_KEY", default="")

# --- Notifications: email through Django's backends, SMS through an adapter, signed webhooks.
# EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…, smtp+ssl://…) selects SMTP; otherwise
# AFTERSALES_EMAIL_BACKEND: console (development default) or file (var/mail/).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
elif env.str("AFTERSALES_EMAIL_BACKEND", default="console") == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("AFTERSALES_EMAIL_TIMEOUT_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Aftersales <noreply@localhost>")
AFTERSALES_SMS_BACKEND = env.str(
    "AFTERSALES_SMS_BACKEND", default="aftersales.notify.channels.FakeSms"
)
AFTERSALES_SMS_MAX_CHARS = env.int("AFTERSALES_SMS_MAX_CHARS", default=70)
AFTERSALES_SMS_SIGNATURE = env.str("AFTERSALES_SMS_SIGNATURE", default="【售后】")
AFTERSALES_QUIET_HOURS = env.str("AFTERSALES_QUIET_HOURS", default="22:00-08:00")
AFTERSALES_WEBHOOK_REQUIRE_HTTPS = env.bool("AFTERSALES_WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)
AFTERSALES_WEBHOOK_ALLOW_LOOPBACK = env.bool(
    "AFTERSALES_WEBHOOK_ALLOW_LOOPBACK", default=not PRODUCTION
)
AFTERSALES_WEBHOOK_ALLOW_PRIVATE = env.bool(
    "AFTERSALES_WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION
)
AFTERSALES_WEBHOOK_TIMEOUT_SECONDS = env.float("AFTERSALES_WEBHOOK_TIMEOUT_SECONDS", default=10)
AFTERSALES_WEBHOOK_MAX_RESPONSE_BYTES = env.int(
    "AFTERSALES_WEBHOOK_MAX_RESPONSE_BYTES", default=65_536
)
AFTERSALES_WEBHOOK_CONCURRENCY = env.int("AFTERSALES_WEBHOOK_CONCURRENCY", default=8)
AFTERSALES_WEBHOOK_LEASE_SECONDS = env.float("AFTERSALES_WEBHOOK_LEASE_SECONDS", default=60)
AFTERSALES_WEBHOOK_SECRET_OVERLAP_HOURS = env.int(
    "AFTERSALES_WEBHOOK_SECRET_OVERLAP_HOURS", default=24
)
AFTERSALES_WEBHOOK_DISABLE_AFTER_FAILURES = env.int(
    "AFTERSALES_WEBHOOK_DISABLE_AFTER_FAILURES", default=10
)
AFTERSALES_WEBHOOK_DISABLE_AFTER_HOURS = env.float(
    "AFTERSALES_WEBHOOK_DISABLE_AFTER_HOURS", default=72
)

# --- Production hardening: `manage.py check --deploy` is clean with AFTERSALES_ENV=production.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("AFTERSALES_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("AFTERSALES_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Logs: one line per record, personal data masked by a filter on every handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "aftersales.core.logging.MaskPersonalData"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["mask_pii"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("AFTERSALES_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Benchmarks only: bench/baseline, the bare endpoint bench/*.py compare the API against.
AFTERSALES_BENCH_BASELINE = env.bool("AFTERSALES_BENCH_BASELINE", default=False)
if AFTERSALES_BENCH_BASELINE:
    INSTALLED_APPS.append("bench.baseline")

# Complaints (docs/complaints.md, docs/sla.md).
AFTERSALES_COMPLAINT_REPEAT_CONTACTS = env.int("AFTERSALES_COMPLAINT_REPEAT_CONTACTS", default=3)
AFTERSALES_COMPLAINT_REPEAT_WINDOW_DAYS = env.int(
    "AFTERSALES_COMPLAINT_REPEAT_WINDOW_DAYS", default=7
)
AFTERSALES_COMPLAINT_AMOUNT_HIGH = env.str("AFTERSALES_COMPLAINT_AMOUNT_HIGH", default="1000.00")
AFTERSALES_COMPLAINT_AMOUNT_VERY_HIGH = env.str(
    "AFTERSALES_COMPLAINT_AMOUNT_VERY_HIGH", default="5000.00"
)
# Compensation a role may grant on its own (CNY); above the highest, nobody but an admin.
AFTERSALES_COMPENSATION_AUTHORITY = {
    "agent": env.str("AFTERSALES_AUTHORITY_AGENT", default="50.00"),
    "specialist": env.str("AFTERSALES_AUTHORITY_SPECIALIST", default="500.00"),
    "manager": env.str("AFTERSALES_AUTHORITY_MANAGER", default="1000000.00"),
}
# SLA: the share of a target at which a warning fires; overrides of the default policies.
AFTERSALES_SLA_WARNING_SHARE = env.float("AFTERSALES_SLA_WARNING_SHARE", default=0.8)
AFTERSALES_SLA_POLICIES = env.json("AFTERSALES_SLA_POLICIES", default={})
# Closing the loop, in working days: auto-confirm after, reopen within.
AFTERSALES_COMPLAINT_AUTO_CONFIRM_WORKING_DAYS = env.int(
    "AFTERSALES_COMPLAINT_AUTO_CONFIRM_WORKING_DAYS", default=3
)
AFTERSALES_COMPLAINT_REOPEN_WORKING_DAYS = env.int(
    "AFTERSALES_COMPLAINT_REOPEN_WORKING_DAYS", default=7
)
