"""One settings module; everything comes from the environment with a working embedded default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from integritas.private_files import write_private

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DATA_DIR = Path(env_str("INTEGRITAS_DATA_DIR", "./data")).resolve()

# Everything this process writes (database, uploads, keys, backups, the audit anchor, mail files) is
# for its own user only: files 0600, directories 0700.
os.umask(0o077)


def ensure_data_dir() -> Path:
    """The data dir, private to the owner (0700; an older, looser one is tightened, with its database)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in (DATA_DIR, *(DATA_DIR / f"integritas.sqlite3{s}" for s in ("", "-wal", "-shm"))):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError:
            pass  # not there yet, or not ours to change
    return DATA_DIR


def secret_from_env_or_file(env_name: str, filename: str, make=lambda: secrets.token_urlsafe(32)) -> str:
    """A secret given in the environment wins; otherwise it is generated once into the data dir (0600)."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = ensure_data_dir() / filename
    if not path.exists():
        # Of two concurrent writers the first wins and both use its secret.
        write_private(path, make())
    return path.read_text().strip()


SECRET_KEY = secret_from_env_or_file("INTEGRITAS_SECRET_KEY", "secret_key")
DEBUG = env_bool("INTEGRITAS_DEBUG", False)

# Where `integritas serve` listens ("HOST:PORT", set by the command before Django starts).
SERVED_ADDRESS = env_str("INTEGRITAS_SERVED_ADDRESS", "")
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}
_LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def _served() -> tuple[str, int]:
    host, _, port = SERVED_ADDRESS.rpartition(":")
    return (host or "127.0.0.1", int(port) if port.isdigit() else 8000)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _machine_names() -> list[str]:
    """This machine's names and addresses (serving on every interface with no public address set)."""
    import socket

    names = {socket.gethostname(), socket.getfqdn()}
    try:
        names.update(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None))
    except OSError:
        pass
    return sorted(_url_host(n) for n in names if n)


def default_public_url() -> str:
    """Without INTEGRITAS_PUBLIC_URL, links in e-mails use the address `serve` listens on."""
    host, port = _served()
    if host in _WILDCARD_HOSTS:
        import socket

        host = socket.getfqdn() or "127.0.0.1"
    scheme = "https" if env_bool("INTEGRITAS_HTTPS", False) else "http"
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{_url_host(host)}" + ("" if port == default_port else f":{port}")


PUBLIC_URL = env_str("INTEGRITAS_PUBLIC_URL", "").rstrip("/") or default_public_url()


def allowed_hosts() -> list[str]:
    """The names this site answers to: the public address, the served address and loopback, plus
    INTEGRITAS_ALLOWED_HOSTS. Never `*`: the Host header ends up in links on the pages."""
    hosts = [h.strip() for h in env_str("INTEGRITAS_ALLOWED_HOSTS", "").split(",") if h.strip()]
    public = urlparse(PUBLIC_URL).hostname
    if public:
        hosts.append(_url_host(public))
    host, _ = _served()
    if host in _WILDCARD_HOSTS:
        hosts.extend(_machine_names())
    else:
        hosts.append(_url_host(host))
    hosts.extend(_LOOPBACK_HOSTS)
    return list(dict.fromkeys(hosts))


ALLOWED_HOSTS = allowed_hosts()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "integritas.orgs",
    "integritas.vault",
    "integritas.cases",
    "integritas.audit",
    "integritas.notify",
    "integritas.prevention",
    "integritas.monitoring",
    "integritas.web",
]

MIDDLEWARE = [
    "integritas.security.proxy.ForwardedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "integritas.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (Django's middleware pads the gzip header at random against BREACH-style
    # guessing); static files are compressed ahead by the storage below.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "integritas.web.bodies.PageBodyMiddleware",  # before the CSRF check reads a form body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integritas.web.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "integritas.urls"
WSGI_APPLICATION = "integritas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "integritas.web.context.menu",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgresql://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        # `integritas serve` and `worker` keep connections between requests (a new one costs several ms
        # per request; cli.py sets 300 s); they are checked before reuse, so a restarted database is
        # reconnected to.
        "CONN_MAX_AGE": env_int("INTEGRITAS_DB_CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        # JIT compilation costs 10–350 ms on the large plans of statistics and lists and saves nothing
        # on queries served by indexes (BENCHMARKS.md); INTEGRITAS_DB_JIT=on brings it back.
        "OPTIONS": {"options": f"-c jit={'on' if env_bool('INTEGRITAS_DB_JIT', False) else 'off'}"},
        "TEST": {"NAME": env_str("INTEGRITAS_TEST_DB_NAME", "") or None},
    }


if env_str("DATABASE_URL"):
    DATABASES = {"default": database_from_url(env_str("DATABASE_URL"))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "integritas.sqlite3"),
            "OPTIONS": {
                # Several threads (web + scheduler) write: wait for the lock, take it up front.
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.Person"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "integritas.security.passwords.LocalCommonPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGE_COOKIE_NAME = "integritas_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Jakarta"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

MEDIA_ROOT = DATA_DIR / "files"


def s3_options(bucket: str, location: str) -> dict:
    """django-storages' S3 backend for an S3-compatible service (MinIO, Garage, a cloud bucket).
    What goes there is already encrypted here (integritas.vault); the service never sees a key."""
    endpoint = env_str("INTEGRITAS_S3_ENDPOINT_URL", "")
    return {
        "bucket_name": bucket,
        "location": location.strip("/"),
        "endpoint_url": endpoint or None,
        "region_name": env_str("INTEGRITAS_S3_REGION", "") or None,
        # Empty: boto3 finds them itself (AWS_ACCESS_KEY_ID, ~/.aws, an instance role).
        "access_key": env_str("INTEGRITAS_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("INTEGRITAS_S3_SECRET_ACCESS_KEY", "") or None,
        "addressing_style": env_str("INTEGRITAS_S3_ADDRESSING_STYLE", "path" if endpoint else "") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,  # names are random; a clash gets another name, never a replaced file
        "default_acl": None,
        "querystring_auth": False,
    }


S3_BUCKET = env_str("INTEGRITAS_S3_BUCKET", "")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(S3_BUCKET, env_str("INTEGRITAS_S3_PREFIX", "files")),
        }
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    # Hashed names (cached for a year) and gzip copies: written by `integritas serve` at start.
    "staticfiles": {"BACKEND": "integritas.web.staticfiles.HashedStaticStorage"},
}

# Files never touch memory whole: anything above this goes to a temporary file while streaming.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_PERMISSIONS = 0o600  # stored files (Django's default is 0644)
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_HANDLERS = [
    "integritas.security.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = 20

MASTER_KEY_SETTING = "INTEGRITAS_MASTER_KEY"
# A key file kept outside the data dir (instead of INTEGRITAS_MASTER_KEY, or <data dir>/master_key).
MASTER_KEY_FILE = env_str("INTEGRITAS_MASTER_KEY_FILE", "")

# The audit chain's anchors outside the database (integritas.audit.anchor).
AUDIT_ANCHOR_FILE = env_str("INTEGRITAS_AUDIT_ANCHOR_FILE", "")  # default <data dir>/audit-anchor.log
AUDIT_ANCHOR_EMAIL = env_str("INTEGRITAS_AUDIT_ANCHOR_EMAIL", "")  # comma-separated addresses
AUDIT_ANCHOR_EMAIL_HOURS = float(env_str("INTEGRITAS_AUDIT_ANCHOR_EMAIL_HOURS", "24") or 24)


def proxy_addresses(text: str) -> list[str]:
    """The addresses (or networks) a trusted proxy connects from; a wrong one stops the start."""
    import ipaddress

    found = [a.strip() for a in text.split(",") if a.strip()]
    for item in found:
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"INTEGRITAS_PROXY_ADDRESSES: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)"
                ) from None
    return found


INTEGRITAS = {
    "TOKEN_HOURS": env_int("INTEGRITAS_TOKEN_HOURS", 12),
    "SCHEDULER_INTERVAL": env_int("INTEGRITAS_SCHEDULER_INTERVAL", 60),
    "PUBLIC_URL": PUBLIC_URL,
    # Proxies in front whose X-Forwarded-For/-Proto/-Host are believed (integritas.security.proxy),
    # and the addresses they connect from.
    "TRUSTED_PROXIES": max(
        env_int("INTEGRITAS_TRUSTED_PROXIES", 0), 1 if env_bool("INTEGRITAS_BEHIND_TLS_PROXY") else 0
    ),
    "PROXY_ADDRESSES": proxy_addresses(env_str("INTEGRITAS_PROXY_ADDRESSES", "127.0.0.1,::1")),
    # smtp://, smtp+starttls://, smtps:// (user:password@host:port) or file:///folder; empty: <data dir>/mail/
    "EMAIL_URL": env_str("INTEGRITAS_EMAIL_URL", ""),
    "EMAIL_FROM": env_str("INTEGRITAS_EMAIL_FROM", "Integritas <integritas@localhost>"),
    # (failures allowed, window seconds, lockout seconds)
    "THROTTLE": {
        # Wrong receipts per client address and receipt prefix (integritas.security.throttle.ReceiptGuard):
        # allowed within the window, then that prefix waits (seconds, doubling for each further stop).
        "receipt": (
            env_int("INTEGRITAS_RECEIPT_FAILURES", 5),
            3600,
            env_int("INTEGRITAS_RECEIPT_LOCKOUT", 60),
        ),
        "password_account": (5, 900, env_int("INTEGRITAS_PASSWORD_LOCKOUT", 900)),
        "password_address": (30, 900, 900),
    },
}

# Rate limits and the cache: Redis when configured (several app servers share it); with several
# processes on one machine and no Redis, a folder in the data dir; one process keeps them in memory.
if env_str("INTEGRITAS_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("INTEGRITAS_REDIS_URL"),
            "KEY_PREFIX": env_str("INTEGRITAS_CACHE_PREFIX", "integritas"),
        }
    }
elif env_int("INTEGRITAS_SERVE_PROCESSES", 1) > 1:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "integritas"}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"}
    },
    "root": {"handlers": ["stdout"], "level": env_str("INTEGRITAS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A request for a host this site is not (scanners, a wrong DNS name): answered 400, no traceback.
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}

WHITENOISE_USE_FINDERS = True

# Secure cookies: on when asked, and by default when the public address is https.
HTTPS = env_bool("INTEGRITAS_HTTPS", PUBLIC_URL.startswith("https://"))
# Form posts from the public address pass the CSRF origin check even where a proxy does not pass Host.
_public = urlparse(PUBLIC_URL)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"] if _public.scheme and _public.netloc else []
# No SECURE_PROXY_SSL_HEADER: the scheme a trusted proxy reports is applied by
# integritas.security.proxy.ForwardedMiddleware (from a trusted address only).
SECURE_HSTS_SECONDS = 31536000  # sent only on requests that arrived over TLS
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "integritas.web.views.errors.csrf_failure"
SESSION_COOKIE_AGE = 8 * 3600
# Session rows are found by the SHA-256 of the cookie's key (a database copy opens no session); expired
# rows are purged by the scheduler (integritas.web.sessions).
SESSION_ENGINE = "integritas.web.sessions"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = None  # set per response by integritas.security.middleware
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
