"""Haven's one settings module, driven by the environment.

Defaults are for a laptop demo (SQLite under ./var). Production sets HAVEN_ENV=production and
must provide HAVEN_SECRET_KEY (or HAVEN_SECRET_KEY_FILE); a system check (haven.E001) refuses to
start otherwise. Nothing here reads django.conf.settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (docker/systemd credentials)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


HAVEN_ENV = env_str("HAVEN_ENV", "development")
PRODUCTION = HAVEN_ENV == "production"
DATA_DIR = Path(env_str("HAVEN_DATA_DIR", str(PROJECT_DIR / "var")))

# The development key is public on purpose: it signs nothing that protects people (sealed data
# is under vault keys, not this). Production refuses to start with it (check haven.E001).
DEV_SECRET_KEY = "haven-development-key-not-for-production"  # noqa: S105
SECRET_KEY = env_secret("HAVEN_SECRET_KEY", "" if PRODUCTION else DEV_SECRET_KEY) or DEV_SECRET_KEY
DEBUG = env_bool("HAVEN_DEBUG", False)
ALLOWED_HOSTS = [
    h for h in env_str("HAVEN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("HAVEN_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "haven.core",
    "haven.audit",
    "haven.vault",
    "haven.accounts",
    "haven.alerts",
    "haven.cases",
    "haven.missing",
    "haven.intake",
    "haven.safety",
    "haven.channels",
    "haven.evidence",
    "haven.reports",
    "haven.ops",
    "haven.partners",
    "haven.linkage",
]

MIDDLEWARE = [
    "haven.core.middleware.SecurityHeadersMiddleware",
    "haven.core.middleware.BidiControlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "haven.core.middleware.NoClientAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "haven.intake.middleware.PortalLanguageMiddleware",
    "haven.intake.middleware.AdmissionControlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "haven.accounts.middleware.StaffSessionMiddleware",
    # Right after the keyring is known: every request of a duress session runs in a
    # transaction that is rolled back (invariant 8, haven/accounts/duress.py).
    "haven.accounts.duress.DuressMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "haven.core.middleware.LoginRequiredByDefaultMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

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
                "haven.core.context_processors.staff_navigation",
                "haven.intake.context_processors.portal",
                "haven.ops.context_processors.wipe_state",
            ],
        },
    }
]

# Django's form renderer with the per-field templates (label, attributes, input, textarea) drawn
# in Python, same markup (haven/core/widgets.py; issue 16).
FORM_RENDERER = "haven.core.widgets.QuickRenderer"


def parse_multi_host_url(url: str, conn_max_age: int) -> dict:
    """A libpq multi-host URL (deploy/ha: the Patroni pair), which dj_database_url refuses:

        postgres://haven:PASSWORD@10.0.0.1:5432,10.0.0.2:5432/haven?target_session_attrs=read-write

    becomes HOST "10.0.0.1,10.0.0.2" and PORT "5432,5432", which Django hands to psycopg as they
    are, and libpq tries the hosts in turn until one takes writes; the query parameters
    (target_session_attrs, connect_timeout, sslmode, ...) become connection options."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError("a multi-host DATABASE_URL must be a postgres:// URL")
    credentials, _, hostlist = parts.netloc.rpartition("@")
    user, _, password = credentials.partition(":")
    hosts, ports = [], []
    for item in hostlist.split(","):
        host, sep, port = item.rpartition(":")
        if not sep:
            host, port = item, ""
        if not host:
            raise ValueError("an empty host in DATABASE_URL")
        hosts.append(host)
        ports.append(port or "5432")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(user),
        "PASSWORD": unquote(password),
        "HOST": ",".join(hosts),
        "PORT": ",".join(ports),
        "CONN_MAX_AGE": conn_max_age,
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


SQLITE_ENGINE = "haven.lib.db.sqlite3"


def _database() -> dict:
    url = env_str("DATABASE_URL")
    conn_max_age = env_int("HAVEN_DB_CONN_MAX_AGE", 60)
    config: dict
    if url and "," in url.partition("?")[0]:
        config = parse_multi_host_url(url, conn_max_age)
    elif url:
        config = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    else:
        config = {
            "ENGINE": SQLITE_ENGINE,
            "NAME": str(DATA_DIR / "haven.sqlite3"),
            "CONN_MAX_AGE": conn_max_age,
        }
    # A connection is kept by each worker thread between requests (a new one cost ~3 ms a
    # request, measured in issue 16) and checked before reuse after an error.
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] in ("django.db.backends.sqlite3", SQLITE_ENGINE):
        # WAL keeps readers and the writer apart; IMMEDIATE makes every write transaction take
        # the write lock at BEGIN, so the audit chain head is never read by two writers at once.
        # Haven's engine is Django's with writers queued on locks instead of SQLite's busy
        # loop (haven/lib/db/sqlite3/base.py: the p99s under load, issue 16).
        config["ENGINE"] = SQLITE_ENGINE
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
    return dict(config)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["haven.accounts.backends.VaultKeyBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts-login"
LOGIN_REDIRECT_URL = "core-home"

SESSION_ENGINE = "haven.accounts.sessions"
SESSION_COOKIE_NAME = "haven_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = env_bool("HAVEN_SECURE_COOKIES", PRODUCTION)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "haven.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", False)
# HSTS for the staff site. Django sends it only on HTTPS requests, so the portal (plain HTTP
# inside Tor, whose onion service already authenticates and encrypts) never gets it; nginx sends
# the same header itself on the staff name, for what never reaches Django (deploy/).
SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [
    # W008 asks for SECURE_SSL_REDIRECT: it would send the onion portal to an https:// address
    # that does not exist. nginx redirects the staff name's port 80 instead (deploy/).
    "security.W008",
    # W021 asks for the HSTS preload flag: preloading commits the organisation's whole domain,
    # a decision for whoever owns it, not a default of Haven's.
    "security.W021",
]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("HAVEN_BEHIND_PROXY") else None
)

# Uploads stay in memory, never in a temporary file (invariant 1; haven/lib/upload_handler.py).
# A request body over HAVEN_UPLOAD_MAX_REQUEST_BYTES is refused before it is read: keep it equal
# to nginx's client_max_body_size (deploy/nginx-haven.conf). The per-file limits are checked by the
# forms, so a person gets a translated message and not a bare 400.
HAVEN_UPLOAD_MAX_REQUEST_BYTES = env_int("HAVEN_UPLOAD_MAX_REQUEST_BYTES", 130 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = ["haven.lib.upload_handler.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = HAVEN_UPLOAD_MAX_REQUEST_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HAVEN_MAX_TEXT_BYTES", 3 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "haven_lang"
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = env_str("HAVEN_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("HAVEN_STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("HAVEN_MEDIA_ROOT", str(DATA_DIR / "files")))
# Where sealed files (evidence, attachments, photos) live: "database" (the default, and the
# embedded installation: in their rows, as always), "files" (a folder, HAVEN_OBJECTS_ROOT) or
# "s3" (S3-compatible object storage: SeaweedFS, MinIO, Garage). Only ciphertext leaves the
# row (haven/vault/objects.py; docs/operations.md "Object storage").
HAVEN_STORAGE = env_str("HAVEN_STORAGE", "database")
HAVEN_OBJECTS_ROOT = Path(env_str("HAVEN_OBJECTS_ROOT", str(DATA_DIR / "objects")))
HAVEN_S3 = {
    "endpoint_url": env_str("HAVEN_S3_ENDPOINT_URL") or None,
    "bucket_name": env_str("HAVEN_S3_BUCKET", "haven"),
    "access_key": env_secret("HAVEN_S3_ACCESS_KEY_ID") or None,
    "secret_key": env_secret("HAVEN_S3_SECRET_ACCESS_KEY") or None,
    "region_name": env_str("HAVEN_S3_REGION", "us-east-1"),
    "location": env_str("HAVEN_S3_PREFIX", ""),
    # Names are random and never reused: an existing name is an error, not an overwrite.
    "file_overwrite": False,
    "default_acl": None,
    "querystring_auth": True,
    "addressing_style": env_str("HAVEN_S3_ADDRESSING_STYLE", "path"),
}
_SEALED_STORAGE = (
    {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": HAVEN_S3}
    if HAVEN_STORAGE == "s3"
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(HAVEN_OBJECTS_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "sealed": _SEALED_STORAGE,
}
# Serve /static/ from Django itself: on for the demo, off behind nginx in production.
HAVEN_SERVE_STATIC = env_bool("HAVEN_SERVE_STATIC", not PRODUCTION)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Argon2id for wrapping each staff member's private key (libsodium crypto_pwhash).
# Production: at least 256 MiB and 3 passes (ARCHITECTURE.md). Tests lower these in one fixture.
HAVEN_ARGON2_OPSLIMIT = env_int("HAVEN_ARGON2_OPSLIMIT", 3)
HAVEN_ARGON2_MEMLIMIT = env_int("HAVEN_ARGON2_MEMLIMIT", 256 * 1024 * 1024)

# Codenames carry >= 90 bits of their own, so they are derived with Argon2id at 1 MiB and 2
# passes, fixed in haven/vault/codename.py (docs/security.md says why). These two settings are
# the parameters codenames were issued under before that (the *legacy* derivation): they are read
# only to find and re-key a person who has not signed in since. Keep them as they were for as
# long as any legacy identity is left.
HAVEN_CODENAME_ARGON2_OPSLIMIT = env_int("HAVEN_CODENAME_ARGON2_OPSLIMIT", 2)
HAVEN_CODENAME_ARGON2_MEMLIMIT = env_int("HAVEN_CODENAME_ARGON2_MEMLIMIT", 64 * 1024 * 1024)
# 0 closes the legacy lane for good: codenames nobody has used since the upgrade stop working
# (their requests stay with the hotline). It closes by itself once none is left.
HAVEN_CODENAME_LEGACY_SIGN_IN = env_bool("HAVEN_CODENAME_LEGACY_SIGN_IN", True)

# Every codename sign-in answers after at least this long, right or wrong.
HAVEN_PORTAL_MIN_SECONDS = float(env_str("HAVEN_PORTAL_MIN_SECONDS", "0.8"))
# Codename sign-ins (POST /enter/) take one of a bounded number of places (non-blocking: the
# rest of the web server's threads stay free for people already signed in). A legacy derivation
# (64 MiB) then waits in turn, up to the wait below, for one of HAVEN_CODENAME_KDF_CONCURRENCY
# slots shared by every web process; the current one (1 MiB) needs none. docs/intake.md,
# "Admission control".
HAVEN_PORTAL_SIGNIN_PLACES = env_int("HAVEN_PORTAL_SIGNIN_PLACES", 24)
HAVEN_CODENAME_KDF_CONCURRENCY = env_int("HAVEN_CODENAME_KDF_CONCURRENCY", 1)
HAVEN_PORTAL_SIGNIN_WAIT_SECONDS = float(env_str("HAVEN_PORTAL_SIGNIN_WAIT_SECONDS", "15"))
# PFIF record ids of reports made here are "<domain>/<reference>": set it to the organisation's
# own domain before the first export, and never change it afterwards.
HAVEN_PFIF_DOMAIN = env_str("HAVEN_PFIF_DOMAIN", "haven.invalid")
# How long a partner may keep a PFIF record we send (each exported person's expiry_date is the
# export time plus this; 0 writes none), and how long a note that arrived before its person is
# held waiting for it (docs/missing.md).
HAVEN_PFIF_EXPIRY_DAYS = env_int("HAVEN_PFIF_EXPIRY_DAYS", 365)
HAVEN_PFIF_HOLD_DAYS = env_int("HAVEN_PFIF_HOLD_DAYS", 90)
HAVEN_INTAKE_MAX_TEXT = env_int("HAVEN_INTAKE_MAX_TEXT", 100_000)
HAVEN_INTAKE_MAX_FILE_BYTES = env_int("HAVEN_INTAKE_MAX_FILE_BYTES", 25 * 1024 * 1024)
HAVEN_INTAKE_MAX_FILES = env_int("HAVEN_INTAKE_MAX_FILES", 5)
# Evidence files are kept sealed in the database, original and working copy: this bounds a row.
# Extra public figures the redactor keeps (haven/lib/redact/public_figures.txt format).
HAVEN_PUBLIC_FIGURES_FILE = os.environ.get("HAVEN_PUBLIC_FIGURES_FILE", "")
HAVEN_EVIDENCE_MAX_FILE_BYTES = env_int("HAVEN_EVIDENCE_MAX_FILE_BYTES", 50 * 1024 * 1024)
# Admission control for new portal submissions, installation-wide (shared by all web processes
# through lock files in HAVEN_ADMISSION_DIR, default DATA_DIR/admission): a token bucket (rate,
# burst) and how many may be processed at once. Keep the concurrency below the web server's
# threads so that returning people always find one free (docs/intake.md).
HAVEN_INTAKE_NEW_PER_SECOND = float(env_str("HAVEN_INTAKE_NEW_PER_SECOND", "20"))
HAVEN_INTAKE_NEW_BURST = env_int("HAVEN_INTAKE_NEW_BURST", 40)
HAVEN_INTAKE_NEW_CONCURRENCY = env_int("HAVEN_INTAKE_NEW_CONCURRENCY", 2)
# Providers' webhooks (SMS gateway, Telegram, ...): their own admission lane (docs/intake.md).
HAVEN_CHANNEL_WEBHOOK_PER_SECOND = float(env_str("HAVEN_CHANNEL_WEBHOOK_PER_SECOND", "50"))
HAVEN_CHANNEL_WEBHOOK_BURST = env_int("HAVEN_CHANNEL_WEBHOOK_BURST", 200)
HAVEN_CHANNEL_WEBHOOK_CONCURRENCY = env_int("HAVEN_CHANNEL_WEBHOOK_CONCURRENCY", 4)
HAVEN_ADMISSION_DIR = env_str("HAVEN_ADMISSION_DIR")

HAVEN_DELIVERY_KEY = env_secret("HAVEN_DELIVERY_KEY")
# Ed25519 seed (32 bytes, url-safe base64) that signs audit checkpoints; from the environment or
# a credential file, never the database (docs/security.md). Derived from SECRET_KEY if unset.
HAVEN_AUDIT_SIGNING_KEY = env_secret("HAVEN_AUDIT_SIGNING_KEY")
# The worker signs the audit head and sends it to the coordinators' alert channels this often
# (only when the chain moved since the last one); 0 turns the periodic checkpoint off.
HAVEN_AUDIT_CHECKPOINT_MINUTES = env_int("HAVEN_AUDIT_CHECKPOINT_MINUTES", 360)
# Escalation: step 2 (on call) after N minutes without acknowledgement, then step 3
# (coordinators) after N more; then everyone again every M minutes until someone acknowledges.
HAVEN_ESCALATION_STEP_MINUTES = env_int("HAVEN_ESCALATION_STEP_MINUTES", 10)
HAVEN_ESCALATION_REPEAT_MINUTES = env_int("HAVEN_ESCALATION_REPEAT_MINUTES", 15)
HAVEN_DELIVERY_ATTEMPTS = env_int("HAVEN_DELIVERY_ATTEMPTS", 3)
# Partner exchange (haven/partners, docs/partners.md): the largest package the inbox takes, how
# many it checks at once (installation-wide, haven.lib.admission), how long sending waits for a
# partner's Haven, and whether a partner's address may be plain HTTP (tests on loopback only).
HAVEN_PARTNER_INBOX_MAX_BYTES = env_int("HAVEN_PARTNER_INBOX_MAX_BYTES", 20 * 1024 * 1024)
HAVEN_PARTNER_INBOX_CONCURRENCY = env_int("HAVEN_PARTNER_INBOX_CONCURRENCY", 2)
HAVEN_PARTNER_INBOX_PER_SECOND = env_int("HAVEN_PARTNER_INBOX_PER_SECOND", 5)
HAVEN_PARTNER_INBOX_BURST = env_int("HAVEN_PARTNER_INBOX_BURST", 20)
HAVEN_PARTNER_SEND_TIMEOUT = env_int("HAVEN_PARTNER_SEND_TIMEOUT", 20)
HAVEN_PARTNER_ALLOW_HTTP = env_bool("HAVEN_PARTNER_ALLOW_HTTP", False)
HAVEN_WORKER_SLEEP_SECONDS = float(env_str("HAVEN_WORKER_SLEEP_SECONDS", "1.0"))
# Deliveries sent at once, so one hanging channel does not hold back the alarms behind it.
HAVEN_DELIVERY_THREADS = env_int("HAVEN_DELIVERY_THREADS", 8)

# The watchdog for the watch (`haven watchdog`, a systemd timer; docs/operations.md "The
# watchdog"). Its own Apprise addresses (one or more, separated by spaces or commas), never the
# worker's queue: the worker may be what is dead. A secret (HAVEN_WATCHDOG_URLS_FILE works).
HAVEN_WATCHDOG_URLS = env_secret("HAVEN_WATCHDOG_URLS")
HAVEN_WATCHDOG_WORKER_STALE_SECONDS = env_int("HAVEN_WATCHDOG_WORKER_STALE_SECONDS", 120)
# Deliveries are "failing" when one failed for good within this window, or one still pending
# has already failed this many attempts.
HAVEN_WATCHDOG_FAILURE_WINDOW_SECONDS = env_int("HAVEN_WATCHDOG_FAILURE_WINDOW_SECONDS", 15 * 60)
HAVEN_WATCHDOG_RETRYING_ATTEMPTS = env_int("HAVEN_WATCHDOG_RETRYING_ATTEMPTS", 2)
# This node's name in worker heartbeats (default: the host name).
HAVEN_NODE_NAME = env_str("HAVEN_NODE_NAME")
# /staff/healthz for a monitoring system: a bearer token (a secret; empty turns the endpoint
# off) and the source networks allowed to ask (behind nginx that is nginx itself, loopback;
# nginx-haven.conf restricts the staff network in front of it).
HAVEN_HEALTHZ_TOKEN = env_secret("HAVEN_HEALTHZ_TOKEN")
HAVEN_HEALTHZ_NETWORKS = (
    env_str("HAVEN_HEALTHZ_NETWORKS", "127.0.0.0/8 ::1/128").replace(",", " ").split()
)

# Small-count protection in every published figure: counts from 1 to k-1 are hidden.
HAVEN_REPORT_K = env_int("HAVEN_REPORT_K", 5)

HAVEN_IDLE_TIMEOUT_SECONDS = env_int("HAVEN_IDLE_TIMEOUT_SECONDS", 15 * 60)
HAVEN_SESSION_MAX_SECONDS = env_int("HAVEN_SESSION_MAX_SECONDS", 8 * 60 * 60)
HAVEN_KEY_COOKIE_NAME = "haven_key"
HAVEN_DURESS_BURNS_ACCOUNT = env_bool("HAVEN_DURESS_BURNS_ACCOUNT", False)
HAVEN_LOCKOUT_FREE_ATTEMPTS = env_int("HAVEN_LOCKOUT_FREE_ATTEMPTS", 3)
HAVEN_LOCKOUT_BASE_SECONDS = env_int("HAVEN_LOCKOUT_BASE_SECONDS", 30)
HAVEN_LOCKOUT_MAX_SECONDS = env_int("HAVEN_LOCKOUT_MAX_SECONDS", 3600)
# Staff sign-in derivations (Argon2id, 256 MiB each) running at once on this machine, shared by
# every web process through lock files in the admission directory: the general pool, and a
# reserved pool only for attempts whose six-digit code is right. Memory for sign-ins is bounded
# by their sum x 256 MiB. 0 general slots means no cap (benchmarks only). Looking at the code
# before the password is rationed per account (docs/security.md, "Sign-in under attack").
HAVEN_STAFF_KDF_CONCURRENCY = env_int("HAVEN_STAFF_KDF_CONCURRENCY", 2)
HAVEN_STAFF_KDF_RESERVED = env_int("HAVEN_STAFF_KDF_RESERVED", 1)
# Derivations started by signed-in staff or a command (password change, duress password, new or
# reset account, `haven` commands) wait this long in turn for a general slot, then "busy".
HAVEN_STAFF_KDF_WAIT_SECONDS = float(env_str("HAVEN_STAFF_KDF_WAIT_SECONDS", "30"))
HAVEN_STAFF_CODE_CHECKS_BURST = env_int("HAVEN_STAFF_CODE_CHECKS_BURST", 3)
HAVEN_STAFF_CODE_CHECKS_PER_HOUR = float(env_str("HAVEN_STAFF_CODE_CHECKS_PER_HOUR", "2"))
HAVEN_OTP_ISSUER = env_str("HAVEN_OTP_ISSUER", "Haven")
HAVEN_BASE_URL = env_str("HAVEN_BASE_URL", "http://127.0.0.1:8000")
HAVEN_ONION_LOCATION = env_str("HAVEN_ONION_LOCATION")
HAVEN_QUICK_EXIT_URL = env_str("HAVEN_QUICK_EXIT_URL", "https://www.wikipedia.org/")

# Logging: to stderr only, with no request lines. Django's request logger would write paths,
# and runserver's access log writes client addresses; both are silenced (invariant 1).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_security": {"()": "haven.core.logfilters.OneLineSecurityRecord"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
        # Refused requests (a Host not allowed, a malformed body): one line each, without the
        # traceback or the values the client sent (haven/core/logfilters.py).
        "security": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line_security"],
        },
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["stderr"], "level": env_str("HAVEN_LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["security"], "level": "ERROR", "propagate": False},
        # Apprise's messages can repeat an alert channel's recipient, host or token (secrets,
        # see docs/safety.md): they go nowhere. The worker logs its own, sanitised, failures.
        "apprise": {"handlers": ["null"], "level": "CRITICAL", "propagate": False},
        # boto3 and its HTTP stack log every request at DEBUG: signed URLs, credentials' ids,
        # bucket and object names. Object names are random and the bodies ciphertext, but
        # signatures are secrets: warnings and above only, without the request.
        "botocore": {"handlers": ["null"], "level": "WARNING", "propagate": False},
        "boto3": {"handlers": ["null"], "level": "WARNING", "propagate": False},
        "s3transfer": {"handlers": ["null"], "level": "WARNING", "propagate": False},
        "urllib3": {"handlers": ["null"], "level": "WARNING", "propagate": False},
        # Pillow logs EXIF tags (camera owner, GPS) at DEBUG while reading an uploaded picture,
        # and WeasyPrint logs progress over an evidence summary: neither may reach a log.
        "PIL": {"handlers": ["null"], "level": "CRITICAL", "propagate": False},
        "weasyprint": {"handlers": ["null"], "level": "CRITICAL", "propagate": False},
        "fontTools": {"handlers": ["null"], "level": "CRITICAL", "propagate": False},
        "haven": {
            "handlers": ["stderr"],
            "level": env_str("HAVEN_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

# Operations (haven/ops): retention rules as JSON (see docs/operations.md; none by default), and
# how long a second administrator has to confirm an emergency wipe started in the staff UI.
HAVEN_RETENTION_RULES = env_str("HAVEN_RETENTION_RULES", "[]")
HAVEN_WIPE_CONFIRM_MINUTES = env_int("HAVEN_WIPE_CONFIRM_MINUTES", 10)
