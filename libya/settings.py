"""Settings for the Libya desk, read from the environment (see README: Configuration).

Development defaults are exported by the Makefile, never written here, so a
production deployment that forgets a variable fails loudly instead of running
with a development value.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean from the environment; anything but true/false/1/0/yes/no/on/off is an error."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"true", "1", "yes", "on"}:
        return True
    if raw in {"false", "0", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


# Core
DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
ADMIN_PATH = env.str("DJANGO_ADMIN_PATH", default="admin/")

INSTALLED_APPS = [
    "libya.desk.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "csp",
    "pgtrigger",
    "libya.desk.apps.HistoryConfig",  # pghistory, named in the editor's language
    "pghistory.admin",
    "libya.desk.apps.JobQueueConfig",  # procrastinate.contrib.django, likewise
    "libya.desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # API reads to a replica, unless this client has just written (libya/replicas.py).
    "libya.replicas.ReplicaMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # RateLimit fields on every answer a quota counted (libya/desk/api/throttles.py).
    "libya.desk.api.throttles.RateLimitHeadersMiddleware",
    # Anonymous GETs of the API's resources: the response cache, then DESK_READ_MIDDLEWARE
    # alone instead of the rest of this list (libya/desk/readpath.py).
    "libya.desk.readpath.AnonymousReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # French unless the editor chose another language; local times (libya/desk/language.py).
    "libya.desk.language.EditorLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the request's user on every history row written during it.
    "pghistory.middleware.HistoryMiddleware",
    # Last, so that it sees the outcome of authentication attempts.
    "axes.middleware.AxesMiddleware",
]
# What an anonymous read of the API's resources goes through after the response cache,
# instead of the rest of MIDDLEWARE: no session, CSRF or sign-in (it has no cookie and no
# credentials), no editor's locale (admin only), no messages, no history context (reads
# write nothing), no axes (no sign-in attempt). Its headers are those of every answer.
DESK_READ_MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "libya.urls"
WSGI_APPLICATION = "libya.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of Django's own admin templates (base_site.html), which the
        # desk app's templates cannot shadow: the admin app is installed first.
        "DIRS": [BASE_DIR / "libya" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Connections kept free for manage.py commands, backups and psql beside gunicorn's.
DESK_DB_CONNECTION_RESERVE = env.int("DESK_DB_CONNECTION_RESERVE", default=5)


# Server settings every query relies on. They travel as startup options of every
# connection, or, behind a pooler, with each transaction.
# - Actor search matches aliases by trigram word similarity (`term <% alias`, served by
#   the trigram index). pg_trgm's default threshold, 0.6, misses a changed vowel in a
#   short name (Miser for Misar scores 0.5).
# - No Memoize nodes. A page joins its 20 rows to their speaker, article and event, and
#   the planner puts a Memoize cache before each lookup, sized for the hundreds of
#   thousands of rows it estimates before the LIMIT: building the three caches cost 3 of
#   the 8.6 ms of the newest-claims page on tier M, and a prepared keyset page 2 of 2.7.
#   No API or admin query measured was slower without them (BENCHMARKS.md, issue 16).
DESK_SERVER_SETTINGS = {"pg_trgm.word_similarity_threshold": "0.5", "enable_memoize": "off"}
# DATABASE_URL (and the replicas') lead to PgBouncer in transaction mode, which refuses
# startup options and hands each transaction any server connection: see libya/pooling.py.
DESK_DB_TRANSACTION_POOLER = env_bool("DESK_DB_TRANSACTION_POOLER", default=False)
# The API's compiled statements are kept prepared on each connection (libya/postgresql).
# Not behind a transaction pooler by default: PgBouncer before 1.21, or without
# max_prepared_statements, hands the next transaction a server that does not know them.
DESK_DB_PREPARED_STATEMENTS = env_bool(
    "DESK_DB_PREPARED_STATEMENTS", default=not DESK_DB_TRANSACTION_POOLER
)


def connection_settings(database: dict) -> dict:
    """What every connection of the desk shares, the primary's and the replicas'."""
    # Persistent connections, one per gunicorn thread, checked before reuse; not Django's
    # psycopg pool (OPTIONS["pool"]). Under gthread the two hold the same workers x threads
    # connections at peak, but the pool would make a request queue for a free connection
    # (up to its timeout) instead of answering 503 at once when the database is down, retry
    # with a back-off that delays recovery after an outage, and need psycopg-pool besides.
    # Sizing: libya/gunicorn.conf.py, and the desk.E002 check keeps it under max_connections.
    database["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    # Django's backend, but for a health check without a round trip (libya/postgresql).
    database["ENGINE"] = "libya.postgresql"
    options = database.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DESK_DB_CONNECT_TIMEOUT", default=5))
    if DESK_DB_PREPARED_STATEMENTS:
        # psycopg prepares nothing, even when asked, without a threshold (Django sets None).
        # Django's own cursors bind on the client and never prepare: this reaches only the
        # cursors of connection.prepared_cursor(), which prepare on first use.
        options.setdefault("prepare_threshold", 5)
    if DESK_DB_TRANSACTION_POOLER:
        # Consecutive queries may run on different server connections: a cursor declared
        # by one is unknown to the next (DESK_SERVER_SETTINGS: see libya/pooling.py).
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        startup = " ".join(f"-c {name}={value}" for name, value in DESK_SERVER_SETTINGS.items())
        options["options"] = f"{options.get('options', '')} {startup}".strip()
    return database


connection_settings(DATABASES["default"])
# Streaming replicas (comma-separated URLs), aliased replica1, replica2...: API reads go
# to them (libya/replicas.py), writes and the admin to the primary. Tests treat them as
# mirrors of the primary; the replica tests start a real one (tests/servers.py).
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_number}"] = connection_settings(
        {**env.db_url_config(_url), "TEST": {"MIRROR": "default"}}
    )
DESK_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["libya.replicas.ReplicaRouter"]
# A replica further behind than this is skipped until it catches up.
DESK_REPLICA_MAX_LAG_SECONDS = env.float("DESK_REPLICA_MAX_LAG_SECONDS", default=5.0)
# How long a process trusts a replica's last measured lag before measuring again.
DESK_REPLICA_CHECK_SECONDS = env.float("DESK_REPLICA_CHECK_SECONDS", default=2.0)
# Read-your-writes: a client that has just written reads from the primary this long.
DESK_READ_YOUR_WRITES_SECONDS = env.int("DESK_READ_YOUR_WRITES_SECONDS", default=5)
# The history context (user, URL) is attached to requests that can write; reads
# (GET, the API's only method) skip it, and with it a set_config() on every query.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Longest a query may run in a web process (0: no limit). Only the web entry points
# apply it (libya.desk.faults.limit_web_statements), never manage.py commands.
DESK_STATEMENT_TIMEOUT_MS = env.int("DESK_STATEMENT_TIMEOUT_MS", default=10_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The history triggers of an auto-created many-to-many table (a claim's subjects) cannot
# live in migrations, which do not hold such tables: they are installed after migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = True

# Background jobs (procrastinate, in this same database; README: Background enrichment).
# A worker writes a heartbeat every interval; one silent for the timeout is taken for
# dead, and the check below hands its running job to another worker.
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": env.float("DESK_WORKER_HEARTBEAT_SECONDS", default=10.0),
    "stalled_worker_timeout": env.float("DESK_WORKER_STALLED_SECONDS", default=30.0),
}
# How often a worker looks for stalled jobs (cron; a sixth field is seconds).
DESK_STALLED_JOB_CRON = env.str("DESK_STALLED_JOB_CRON", default="* * * * * */10")

# Caches. "default" holds the quotas' counts; answers get their own, so that a flood of
# distinct URLs can never evict a client's quota history. With REDIS_URL (Valkey in
# compose) both live in Redis, shared by every worker and machine: quotas count once
# across all of them and an answer cached by one process serves all. Without it each
# process keeps its own in local memory, which is all `make run` needs.
REDIS_URL = env.str("REDIS_URL", default="")
# Keys carry the desk's generation, so a cached answer is never stale; the timeout and
# the entry count only bound memory.
RESPONSES_TIMEOUT = 24 * 3600


def redis_cache(prefix: str, **extra) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{env.str('DESK_CACHE_PREFIX', default='desk')}:{prefix}",
        # A cache that does not answer within a second is treated as down rather than
        # holding a request thread.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        **extra,
    }


if REDIS_URL:
    CACHES = {
        "default": redis_cache("default"),
        "responses": redis_cache("responses", TIMEOUT=RESPONSES_TIMEOUT),
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "responses": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "responses",
            "TIMEOUT": RESPONSES_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": env.int("DESK_RESPONSE_CACHE_ENTRIES", default=20_000)},
        },
    }
# The response cache (libya/desk/responsecache.py): on unless DESK_RESPONSE_CACHE=false.
DESK_RESPONSE_CACHE = env_bool("DESK_RESPONSE_CACHE", default=True)
DESK_RESPONSE_CACHE_ALIAS = "responses"
# Larger answers (long CSV exports) are served but not kept.
DESK_RESPONSE_CACHE_MAX_BYTES = env.int("DESK_RESPONSE_CACHE_MAX_BYTES", default=1 << 20)

# Authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("DJANGO_AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_VERBOSE = False

# Internationalisation
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
# The desk's own catalogues (django.po, djangojs.po), compiled by `make` (see Makefile).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# Where the editors are: the admin shows times in this zone (the API keeps UTC).
DESK_TIME_ZONE = env.str("DESK_TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# Static files
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Data
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
SOURCES_DIR = env.path("DESK_SOURCES_DIR", default=BASE_DIR / "sources")

# Security (HTTPS settings are on unless explicitly turned off for local HTTP)
SECURE_SSL = env_bool("DJANGO_SECURE_SSL", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
# HSTS only with HTTPS: a browser told to insist on HTTPS for a plain-HTTP site locks users out.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000) if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Same-origin scripts and styles only, no framing. The API docs relax styles and
# workers for their own pages (libya/desk/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# REST framework
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Programs write with an API key acting for a user (Authorization: Api-Key ...); the
    # user's model permissions decide what it may change: Editors write, others read.
    "DEFAULT_AUTHENTICATION_CLASSES": ["libya.desk.api.keys.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["libya.desk.api.keys.EditorsWrite"],
    # Writes are JSON only: a form body cannot tell an empty string from a null (DRF
    # reads "" as null for nullable fields), so it would accept what the schema refuses.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["libya.desk.api.throttles.QuotaThrottle"],
    # JSON bodies {status, detail, errors?} for every API error, database faults included.
    "EXCEPTION_HANDLER": "libya.desk.api.errors.api_exception_handler",
    # Counted in the default cache: exact across every worker and machine with REDIS_URL,
    # per gunicorn worker process without it (the limit is then WEB_CONCURRENCY x rate).
    # `make run` exports a generous DESK_ANON_RATE for scripting against a local server.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("DESK_ANON_RATE", default="120/minute"),
        "key": env.str("DESK_KEY_RATE", default="1200/minute"),
    },
    # Proxies in front of the app whose X-Forwarded-For entries are trusted to name the
    # client. With none (0), the throttle keys on the socket's address: otherwise any
    # client could pick a fresh identity per request by sending X-Forwarded-For.
    "NUM_PROXIES": env.int("DESK_NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Libya desk API",
    "DESCRIPTION": "Actors, events, articles and attributed claims about the Libyan conflict, "
    "curated from French-language press articles.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "libya.desk.api.schema.list_rows_have_no_required_property",
        "libya.desk.api.schema.query_strings_are_nul_free",
        "libya.desk.api.examples.examples_into_descriptions",
        "libya.desk.api.schema.creations_link_to_their_record",
    ],
    # Referenced by the paginated list schema (api/pagination.py), defined here.
    "APPEND_COMPONENTS": {
        "schemas": {
            "FacetCount": {
                "type": "object",
                "properties": {
                    "value": {"type": "string", "nullable": True},
                    "count": {"type": "integer"},
                },
                "required": ["value", "count"],
            }
        }
    },
    # One schema component per vocabulary, named after its model.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "libya.desk.models.Actor.Kind",
        "EventKindEnum": "libya.desk.models.Event.Kind",
        "ClaimKindEnum": "libya.desk.models.Claim.Kind",
        "ClaimStatusEnum": "libya.desk.models.Claim.Status",
        "ParticipationRoleEnum": "libya.desk.models.Participation.Role",
        "DatePrecisionEnum": "libya.desk.models.DatePrecision",
        "DeletionResourceEnum": "libya.desk.models.Deletion.Resource",
    },
}

# Logging: everything to stderr, where gunicorn and the container runtime collect it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # A line per deferred batch would cut through an import's progress bar.
    "loggers": {"procrastinate.jobs": {"level": "WARNING"}},
}
