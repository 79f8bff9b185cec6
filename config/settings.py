"""Settings for Điểm Tựa, read from environment variables.

Every variable is listed in README.md. Development defaults are safe for a laptop (SQLite under
var/, tasks run eagerly, a development key); DIEMTUA_ENV=production refuses to start without a
real SECRET_KEY and real field-encryption keys, because children's counseling records must never
be protected by a key that is published in our repository.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DIEMTUA_ENV = os.environ.get("DIEMTUA_ENV", "development")
PRODUCTION = DIEMTUA_ENV == "production"

DEV_SECRET_KEY = "dev-insecure-diemtua-secret-key-do-not-use-in-production-0123456789"
# A field key (urlsafe base64 of 32 bytes, the Fernet.generate_key() format) used only in
# development and tests.
DEV_FIELD_KEY = "ZGV2LW9ubHktZGllbXR1YS1maWVsZC1rZXktMzJieXQ="

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Keep the X-Request-ID of the reverse proxy in audit rows (only when a proxy always sets it).
TRUST_REQUEST_ID = env_bool("TRUST_REQUEST_ID", default=False)

# The audit chain is an HMAC with this key, so someone who can write to the database but does not
# hold the key cannot re-seal rows they changed. Keep it outside the database; never change it
# (old rows would no longer verify).
DEV_AUDIT_KEY = "dev-only-diemtua-audit-chain-key"
DIEMTUA_AUDIT_KEY = os.environ.get("DIEMTUA_AUDIT_KEY", "" if PRODUCTION else DEV_AUDIT_KEY)

# Comma-separated field keys, each urlsafe base64 of 32 random bytes (Fernet.generate_key() format).
# The first encrypts (AES-256-GCM, see diemtua/core/crypto.py), all decrypt (rotation: put the new
# key first, run `manage.py rotate_keys`, then drop the old ones).
DIEMTUA_FIELD_KEYS = env_list("DIEMTUA_FIELD_KEYS") or ([] if PRODUCTION else [DEV_FIELD_KEY])

if (
    not DEBUG
    and not PRODUCTION
    and (SECRET_KEY == DEV_SECRET_KEY or DEV_FIELD_KEY in DIEMTUA_FIELD_KEYS)
):
    # DEBUG off means a server others reach: never with the keys published in this repository.
    raise ImproperlyConfigured(
        "DEBUG=false with the development SECRET_KEY or field key: set DIEMTUA_ENV=production "
        "with real keys, or leave DEBUG on for a local demo."
    )

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DIEMTUA_ENV=production needs SECRET_KEY set to a random value of 50+ characters."
        )
    if not DIEMTUA_FIELD_KEYS or DEV_FIELD_KEY in DIEMTUA_FIELD_KEYS:
        raise ImproperlyConfigured(
            "DIEMTUA_ENV=production needs DIEMTUA_FIELD_KEYS: comma-separated keys, each urlsafe "
            "base64 of 32 random bytes (e.g. Fernet.generate_key()), not the development key."
        )
    if len(DIEMTUA_AUDIT_KEY) < 32 or DIEMTUA_AUDIT_KEY == DEV_AUDIT_KEY:
        raise ImproperlyConfigured(
            "DIEMTUA_ENV=production needs DIEMTUA_AUDIT_KEY (a random value of 32+ characters)."
        )
    if DEBUG:
        raise ImproperlyConfigured("DIEMTUA_ENV=production refuses DEBUG=true.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "diemtua.core",
    "diemtua.orgs",
    "diemtua.accounts",
    "diemtua.students",
    "diemtua.audit",
    "diemtua.cases",
    "diemtua.referrals",
    "diemtua.notifications",
    "diemtua.activities",
    "diemtua.screening",
    "diemtua.programs",
    "diemtua.directives",
    "diemtua.trainings",
    "diemtua.visits",
    "diemtua.funding",
    "diemtua.awards",
    "diemtua.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "diemtua.core.middleware.RequestIdMiddleware",
    "diemtua.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "diemtua.core.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "diemtua.accounts.middleware.ForcePasswordChangeMiddleware",
    "diemtua.core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "diemtua.core.middleware.HtmxLoginRedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "diemtua.accounts.context_processors.roles",
                "diemtua.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, PostgreSQL with DATABASE_URL=postgres://… ---
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'diemtua.sqlite3'}"),
        # Production keeps connections open between requests (a new PostgreSQL connection is a
        # process fork: opening one per request halved the help page's throughput, issue 9).
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction starts and wait for each other, instead of
    # failing with "database is locked" when two people save at once (make demo).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Optional PostgreSQL streaming replica for dashboard figures (docs/deploy.md). Only code inside
# config.db_router.replica_reads() reads from it; everything else, and every write, stays on the
# primary. Tests use the primary under this name (MIRROR) instead of creating a second database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, cache ---
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis (make demo) tasks run in-process so nothing else has to be started.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "diemtua"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions: in Redis when there is one (issue 9). Idle expiry saves the session on every
# request (SESSION_SAVE_EVERY_REQUEST below); in the database that is an UPDATE and a commit
# (a WAL flush) on every page, the largest single cost of a counselor's queue at 1M students.
# Redis also shares sessions between app servers. Without Redis (make demo) they stay in the
# database. A Redis restart without persistence logs everyone out: see docs/deploy.md.
SESSION_ENGINE = os.environ.get(
    "SESSION_ENGINE",
    "django.contrib.sessions.backends.cache"
    if REDIS_URL
    else "django.contrib.sessions.backends.db",
)

# --- Authentication ---
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Idle sessions end: a shared school computer must not stay logged in to children's records.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security headers (production forces HTTPS) ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: our own origin only, no inline scripts, nothing from a CDN.
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
    }
}

# --- Language, time ---
LANGUAGE_CODE = "vi"
# Each language is named in itself, so a reader finds their own in the switch.
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Vietnamese convention everywhere, also in the English UI: dd/mm/yyyy.
FORMAT_MODULE_PATH = ["config.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# --- Static files (front-end packages are copied from node_modules into static/vendor) ---
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (activity photos and slides, directive documents) live outside the web root and
# are served only through views that check who may see them; MEDIA_URL is never routed.
DIEMTUA_UPLOAD_ROOT = Path(os.environ.get("DIEMTUA_UPLOAD_ROOT", BASE_DIR / "var" / "uploads"))
DIEMTUA_UPLOAD_MAX_MB = int(os.environ.get("DIEMTUA_UPLOAD_MAX_MB", "10"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DIEMTUA_UPLOAD_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)

# --- Điểm Tựa rules ---
# Aggregates shown above the school hide counts below this number (re-identification risk).
# Wrong screening codes tried from one address (a whole class may share the school's address,
# so only wrong codes count): COUNT/SECONDS.
DIEMTUA_SCREENING_RATE_ADDRESS = os.environ.get("DIEMTUA_SCREENING_RATE_ADDRESS", "60/900")
DIEMTUA_SUPPRESS_BELOW = int(os.environ.get("DIEMTUA_SUPPRESS_BELOW", "5"))
# Indicator rollups (docs/reporting.md): a write marks its unit stale and, with a Celery
# worker, a refresh runs this many seconds after the first mark of a quiet spell. Without a
# worker (the embedded make demo) marks wait for `refresh_indicators --stale` or the button.
DIEMTUA_INDICATORS_DEBOUNCE_SECONDS = int(
    os.environ.get("DIEMTUA_INDICATORS_DEBOUNCE_SECONDS", "60")
)
DIEMTUA_INDICATORS_AUTO_REFRESH = env_bool(
    "DIEMTUA_INDICATORS_AUTO_REFRESH", default=not CELERY_TASK_ALWAYS_EAGER
)
# Days after a period ends by which its report is due (timeliness in the tracker).
DIEMTUA_REPORT_DUE_DAYS = int(os.environ.get("DIEMTUA_REPORT_DUE_DAYS", "10"))
DIEMTUA_DEMO_PASSWORD = os.environ.get("DIEMTUA_DEMO_PASSWORD", "diemtua-demo")
# Largest roster file accepted (bytes).
DIEMTUA_ROSTER_MAX_BYTES = int(os.environ.get("DIEMTUA_ROSTER_MAX_BYTES", str(5 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = DIEMTUA_ROSTER_MAX_BYTES + 1024 * 1024


# --- Public help page (no login): rate limits "COUNT/SECONDS", counted in the cache ---
def env_rate(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    count, _sep, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name} must be COUNT/SECONDS, e.g. {default}")
    return value


# Submissions per client address. One school's Wi-Fi is one address: a class of up to 45 (and a
# neighbouring class, or retries) must get through; a flood from one address must not.
DIEMTUA_HELP_RATE_ADDRESS = env_rate("DIEMTUA_HELP_RATE_ADDRESS", "100/600")
# Submissions per school from all addresses: far above any real day, it caps a distributed flood
# of one school's queue.
DIEMTUA_HELP_RATE_SCHOOL = env_rate("DIEMTUA_HELP_RATE_SCHOOL", "2000/600")
# Wrong tracking code/PIN attempts: per tracking code, and per client address.
DIEMTUA_STATUS_RATE_CODE = env_rate("DIEMTUA_STATUS_RATE_CODE", "5/900")
DIEMTUA_STATUS_RATE_ADDRESS = env_rate("DIEMTUA_STATUS_RATE_ADDRESS", "100/900")
# Poster downloads per client address (each one builds a PDF).
DIEMTUA_POSTER_RATE_ADDRESS = env_rate("DIEMTUA_POSTER_RATE_ADDRESS", "60/600")
# Client address for limits is REMOTE_ADDR; with true, the right-most X-Forwarded-For entry (set
# by our own reverse proxy). Only turn on behind a proxy that always sets that header.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)
# Public address of the site for printed QR posters, e.g. https://diemtua.example.vn (no trailing
# slash); empty: the address the poster was downloaded from.
DIEMTUA_PUBLIC_URL = os.environ.get("DIEMTUA_PUBLIC_URL", "").strip().rstrip("/")

# Working-hour clocks (diemtua/core/working_hours.py): office hours and working weekdays
# (0 = Monday); Vietnam's public holidays come from the `holidays` package.
DIEMTUA_WORKING_HOURS = os.environ.get("DIEMTUA_WORKING_HOURS", "07:30-11:30,13:30-17:30")
DIEMTUA_WORKING_DAYS = os.environ.get("DIEMTUA_WORKING_DAYS", "0-4")
# Circular 33/2018: report a child-protection case within 12 working hours of learning of it.
DIEMTUA_CHILD_PROTECTION_REPORT_HOURS = float(
    os.environ.get("DIEMTUA_CHILD_PROTECTION_REPORT_HOURS", "12")
)
# A safeguarding alert nobody acknowledges within this many minutes climbs one level (school
# team → school leadership → the Department's officers); checked every few minutes by beat.
DIEMTUA_ALERT_ACK_MINUTES = int(os.environ.get("DIEMTUA_ALERT_ACK_MINUTES", "60"))
CELERY_BEAT_SCHEDULE = {
    "escalate-safeguarding-alerts": {"task": "cases.escalate_alerts", "schedule": 300.0},
    "send-reminders": {"task": "notifications.send_reminders", "schedule": 3600.0},
    "send-daily-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=6, minute=30),
    },
    # Survey reminders in working hours; each run is idempotent, so hourly tries are safe.
    "remind-surveys": {
        "task": "screening.remind_surveys",
        "schedule": crontab(hour="7-17", minute=5),
    },
    "remind-directives": {
        "task": "directives.send_reminders",
        "schedule": crontab(hour="7-17", minute=10),
    },
    "remind-visit-actions": {
        "task": "visits.remind_actions",
        "schedule": crontab(hour="7-17", minute=15),
    },
    # The debounced refresh is scheduled by writes; these are the safety nets.
    "refresh-stale-indicators": {"task": "reporting.refresh_stale", "schedule": 900.0},
    "refresh-indicators-nightly": {
        "task": "reporting.refresh_all",
        "schedule": crontab(hour=1, minute=30),
    },
}
# E-mail: printed to the console in development and the demo; set EMAIL_BACKEND and the
# usual EMAIL_HOST/PORT/… for a real server.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Điểm Tựa <no-reply@diemtua.local>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Error pages and error reports never show local variables or form values: they may hold
# decrypted counseling notes (issue 4, confidentiality).
DEFAULT_EXCEPTION_REPORTER_FILTER = "diemtua.core.errors.ConfidentialExceptionReporterFilter"
