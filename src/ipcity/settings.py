"""Settings for ipcity.

Every setting comes from an environment variable with a typed parser and a safe default, so a
fresh checkout runs with no configuration and a production deployment is configured without
editing code. Each variable is documented in README.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    """A string setting; `<NAME>_FILE` may point at a file holding the value (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("IPCITY_VAR_DIR", str(PROJECT_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, or one generated on first run and kept in var/ (never committed)."""
    configured = env("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "django_tables2",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "ipcity.core",
    "ipcity.accounts",
    "ipcity.orgs",
    "ipcity.rights",
    "ipcity.indicators",
    "ipcity.plans",
    "ipcity.utilization",
    "ipcity.protection",
    "ipcity.services",
    "ipcity.incentives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage anywhere below (sessions, identity, views) answers 503, not 500.
    "ipcity.core.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ipcity.core.security_headers.ContentSecurityPolicyMiddleware",
    # At most IPCITY_API_RATE API requests a minute per token, session or address.
    "ipcity.core.api.throttle.ApiRateLimitMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ipcity.core.middleware.VaryOnHtmxMiddleware",
    # Session limits, second factor and password expiry (after auth, messages and htmx).
    "ipcity.accounts.middleware.IdentityMiddleware",
    # Downloads go into the audit trail (core/audit.py), right next to the view that sent them.
    "ipcity.core.middleware.AuditDownloadsMiddleware",
]

ROOT_URLCONF = "ipcity.urls"
WSGI_APPLICATION = "ipcity.wsgi.application"

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
                "ipcity.core.context_processors.shell",
            ],
        },
    },
]

# SQLite in var/ by default (WAL and a busy timeout, set in core.apps); DATABASE_URL for PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ipcity.sqlite3'}"),
        # A connection kept open between requests saves opening one per request (about 6 ms
        # on SQLite, more on PostgreSQL); it is checked before reuse.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles any query its planner costs above jit_above_cost,
    # and for the platform's grouped counts compiling took longer than running (the indicator
    # recompute on 1,000,000 patents: 7.9 → 6.0 s; one breakdown spent 1.6 s of 3.1 in JIT).
    # The cost of reading a page out of order, as for data in memory or on SSD (PostgreSQL's
    # default of 4 is for spinning disks): with 4 the planner read a whole table rather than
    # walk an index to the first 1,001 rows of a common word with a status (152 → 44 ms).
    _page_cost = env("DATABASE_RANDOM_PAGE_COST", "1.1")
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        filter(
            None,
            [
                _options.get("options", ""),
                "-c jit=off",
                f"-c random_page_cost={float(_page_cost)}" if _page_cost else "",
            ],
        )
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# The model backend with the sign-in lockout in front of it (every sign-in form goes through it).
AUTHENTICATION_BACKENDS = ["ipcity.accounts.backends.LockoutModelBackend"]

# Identity and sessions (GB/T 22239-2019 level 3); README lists each variable.
PASSWORD_MIN_LENGTH = max(env_int("PASSWORD_MIN_LENGTH", 10), 10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ipcity.accounts.passwords.CharacterClassValidator"},
    {"NAME": "ipcity.accounts.passwords.PasswordHistoryValidator"},
]
# The last N passwords of a user (the current one included) may not be chosen again.
IPCITY_PASSWORD_HISTORY = env_int("IPCITY_PASSWORD_HISTORY", 5)
# Days a password lasts before its owner must change it; 0 = never expires.
IPCITY_PASSWORD_MAX_AGE_DAYS = env_int("IPCITY_PASSWORD_MAX_AGE_DAYS", 90)
# Failed sign-ins for one username within IPCITY_LOCKOUT_MINUTES that lock it for as long.
IPCITY_LOCKOUT_ATTEMPTS = env_int("IPCITY_LOCKOUT_ATTEMPTS", 5)
IPCITY_LOCKOUT_MINUTES = env_int("IPCITY_LOCKOUT_MINUTES", 15)
# Failed sign-ins from one client address (any usernames) that lock that address (spraying).
IPCITY_LOCKOUT_IP_ATTEMPTS = env_int("IPCITY_LOCKOUT_IP_ATTEMPTS", 20)
# Days the login log is kept (pruned by the daily duty `login-log`).
IPCITY_LOGIN_LOG_DAYS = env_int("IPCITY_LOGIN_LOG_DAYS", 180)
# Days the audit trail is kept (core/audit.py; pruned by the daily duty `audit-trail` and
# `ipcity audit prune`). Below 180 is refused: logs must be kept at least six months.
IPCITY_AUDIT_RETENTION_DAYS = env_int("IPCITY_AUDIT_RETENTION_DAYS", 180)
# A session ends after this many minutes without activity, and in any case this many hours
# after sign-in.
IPCITY_SESSION_IDLE_MINUTES = env_int("IPCITY_SESSION_IDLE_MINUTES", 30)
IPCITY_SESSION_MAX_HOURS = env_int("IPCITY_SESSION_MAX_HOURS", 12)
# Holders of these roles must enrol a TOTP second factor before anything else (when enforced).
IPCITY_TOTP_ENFORCE = env_bool("IPCITY_TOTP_ENFORCE", True)
IPCITY_TOTP_REQUIRED_ROLES = env_list(
    "IPCITY_TOTP_REQUIRED_ROLES", "system_admin,security_admin,audit_admin,office_admin"
)
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed: behind them the
# client's address (lockout, rate limits, login log) is the right-most forwarded address that is
# not one of them. Empty: REMOTE_ADDR is the client and forwarded headers are ignored.
IPCITY_TRUSTED_PROXIES = env_list("IPCITY_TRUSTED_PROXIES", "")
# The issuer name authenticator apps show next to the account.
IPCITY_TOTP_ISSUER = env("IPCITY_TOTP_ISSUER", "ipcity")
# Keys that encrypt secrets stored in the database (core/crypto.py): comma-separated Fernet keys,
# the first encrypts, all decrypt. Empty: one key derived from SECRET_KEY.
IPCITY_DATA_KEYS = env_list("IPCITY_DATA_KEYS", "")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("IPCITY_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded and generated files live outside the static root and are served only through views.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IPCITY_UPLOAD_MAX_BYTES = env_int("IPCITY_UPLOAD_MAX_MB", 200) * 1024 * 1024
# Workbooks larger than this are streamed row by row (flat memory, openpyxl) instead of read
# whole (calamine, about 9x faster; it holds about 11 bytes for each byte of the file: a 24 MB
# workbook of 100,000 patents made a 375 MB import).
IPCITY_XLSX_STREAM_ABOVE_BYTES = env_int("IPCITY_XLSX_STREAM_ABOVE_MB", 32) * 1024 * 1024
# Attachments people add to records (progress reports, expenditure vouchers).
IPCITY_ATTACHMENT_MAX_BYTES = env_int("IPCITY_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
# Public forms (the complaint form): submissions allowed per client address per hour.
IPCITY_PUBLIC_FORM_RATE = env_int("IPCITY_PUBLIC_FORM_RATE", 5)
# API requests a minute per token, session or client address (0: no limit).
IPCITY_API_RATE = env_int("IPCITY_API_RATE", 600)
# The home dashboard's cards are kept per user until the data changes (core.generation), and at
# most this many seconds (0: computed on every visit).
IPCITY_DASHBOARD_CACHE_SECONDS = env_int("IPCITY_DASHBOARD_CACHE_SECONDS", 300)
# `ipcity backup`: where archives go, and how many of them to keep (0 keeps all).
IPCITY_BACKUP_DIR = Path(env("IPCITY_BACKUP_DIR", str(VAR_DIR / "backups"))).resolve()
IPCITY_BACKUP_KEEP = env_int("IPCITY_BACKUP_KEEP", 0)

# Background work: django-tasks with its database backend; the worker is `ipcity worker`.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# The configured region: a data file of GB/T 2260 / NBS codes, loaded by `ipcity region load`.
IPCITY_REGION_CODE = env("IPCITY_REGION_CODE", "110112")
IPCITY_REGION_FILE = env(
    "IPCITY_REGION_FILE", str(BASE_DIR / "orgs" / "data" / "regions-110112.csv")
)
# Lists larger than this are exported by a background job instead of inside the request.
IPCITY_EXPORT_INLINE_MAX = env_int("IPCITY_EXPORT_INLINE_MAX", 2000)
IPCITY_PAGE_SIZE = env_int("IPCITY_PAGE_SIZE", 25)
# Lists and API pages count matching rows up to this bound and say "more than" past it, with a
# link to count them all (core.paginators): an exact count of a broad filter over a million rows
# reads every row.
IPCITY_COUNT_LIMIT = env_int("IPCITY_COUNT_LIMIT", 1000)
# Days before a GB/T 29490 certificate expires at which its enterprise and the office are reminded.
IPCITY_CERT_REMIND_DAYS = env_list("IPCITY_CERT_REMIND_DAYS", "90,30")

# Email: notifications are also mailed when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ipcity@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend"
)

# Django's database store, its read on every request written in SQL once (accounts.session_store).
SESSION_ENGINE = "ipcity.accounts.session_store"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (core/security_headers.py): scripts only from the platform's own static
# files, never inline.
from ipcity.core.security_headers import DEFAULT_POLICY as IPCITY_CSP  # noqa: E402, F401

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
NINJA_PAGINATION_PER_PAGE = IPCITY_PAGE_SIZE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Job progress and cancel flags cross processes through the cache: files under var/ by default,
# Redis when REDIS_URL is set (needed once web and worker run on different machines).
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        # Django culls a third of the files at random past MAX_ENTRIES (300 by default), which
        # would forget sign-in attempts in flight and rate-limit counts under load.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# Shown in the page header; the region itself is data (orgs.Region), this is only the label.
IPCITY_REGION_NAME = env("IPCITY_REGION_NAME", "北京市通州区")

# Django's form renderer with the plainest widgets written in Python (core/form_renderer.py).
FORM_RENDERER = "ipcity.core.form_renderer.FormRenderer"
