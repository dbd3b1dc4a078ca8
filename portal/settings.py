"""Settings for the portal, read from the environment.

With nothing set, the portal runs on an embedded default: a SQLite file, Celery tasks executed
eagerly in the web process and emails printed to the console. With DATABASE_URL and REDIS_URL
set, the same code runs on PostgreSQL with a Redis broker and cache and real Celery workers.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from portal.email_url import email_config
from portal.proxy import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    # A development-only key: production (DJANGO_DEBUG=0) refuses to start without a real one.
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (50 characters or more) when DJANGO_DEBUG=0.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")

# Absolute links in emails ("https://portal.example.org"); requests use their own host.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal",
    "programmes",
    "candidates",
    "partners",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "import_export",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    # Outermost: forwarded headers from anyone but a trusted proxy (TRUSTED_PROXIES) are dropped
    # before anything reads them (portal.proxy).
    "portal.proxy.ForwardedHeadersMiddleware",
    # Then, so that every response gets its headers: Permissions-Policy everywhere, no-store
    # on every signed-in person's page and download (request.user, set further in, is read on the
    # way out).
    "portal.security.PrivacyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 413 before the body is read, ahead of anything that reads it (CSRF, forms).
    "portal.security.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Anonymous visitors' public pages from the cache, before the rest runs (portal.public_cache).
    "portal.public_cache.PublicPageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The texts in « Facile à lire et à comprendre » for the request, if the reader asked for them.
    "portal.easy_read.EasyReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff sessions: idle timeout, and no admin or centre space without a second factor.
    "portal.identity.middleware.StaffSessionMiddleware",
    # Innermost: a view whose database connection is lost answers 503 "try again", not 500.
    "portal.security.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
                "portal.easy_read.context",
                "portal.identity.federation.buttons",
            ],
            # French typography everywhere (« 1er janvier », « 5 Mo ») without a {% load %} per template.
            "builtins": ["portal.templatetags.portal_format"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, one cost removed: the types of joined columns compared once per pair.
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
    # Persistent connections multiply throughput (see shared STACK-NOTES); health checks keep
    # them safe across PostgreSQL restarts.
    if "?conn_max_age" not in env("DATABASE_URL") and "&conn_max_age" not in env("DATABASE_URL"):
        DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction pooling, a server-side cursor would outlive its transaction
    # (see README, "Scaling out").
    if env.bool("DATABASE_TRANSACTION_POOLING", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Fail-safe: while Redis is unreachable, the cache (and so allauth's rate limits on login,
    # sign-up and password reset) falls back to this process's memory instead of answering 500.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public pages (home, catalogue, sessions) served from the cache, invalidated explicitly on change.
# Off (0) without Redis: a local-memory cache could not be invalidated across processes.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600 if REDIS_URL else 0)
# Sessions read from the cache (shared by every web node through Redis), written through to the
# database so that a Redis restart logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Without a broker, tasks run in the web process right after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Workers keep their database connection across tasks (Celery closes it after every task
# otherwise: a new PostgreSQL connection per task costs more than most tasks).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
# A task is acknowledged once done, so a worker killed mid-task leaves it to another worker:
# every task must therefore be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("screening"), Queue("mail"))
CELERY_TASK_ROUTES = {
    "candidates.tasks.screen_*": {"queue": "screening"},
    "candidates.tasks.rescreen_*": {"queue": "screening"},
    "portal.tasks.send_*": {"queue": "mail"},
    "portal.tasks.requeue_*": {"queue": "mail"},
}
# How long an unacknowledged task (its worker died) waits before Redis hands it to another worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = "Europe/Paris"
# How often beat runs the sweeps that recover from outages (the outbox's, the deferred tasks').
SWEEP_SECONDS = env.float("PORTAL_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "partners-commitment-reminders": {
        "task": "partners.tasks.send_commitment_reminders",
        "schedule": crontab(hour=9, minute=5),
    },
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "expire-seat-offers": {
        "task": "candidates.tasks.expire_seat_offers",
        "schedule": crontab(minute="*/5"),
    },
    # Outbox (portal.outbox): re-enqueue lost or due emails, purge old rows.
    "outbox-requeue-stale": {"task": "portal.tasks.requeue_stale_emails", "schedule": SWEEP_SECONDS},
    "outbox-purge": {"task": "portal.tasks.purge_old_emails", "schedule": crontab(hour=3, minute=41)},
    # Deferred tasks (portal.deferred): publish again those lost with the broker; purge old rows.
    "deferred-requeue-stale": {"task": "portal.tasks.requeue_deferred_tasks", "schedule": SWEEP_SECONDS},
    "deferred-purge": {"task": "portal.tasks.purge_finished_tasks", "schedule": crontab(hour=3, minute=47)},
    # Reminders and digests (candidates.notifications).
    "offer-reminders": {"task": "candidates.tasks.queue_offer_reminders", "schedule": crontab(minute=5)},
    "session-start-reminders": {
        "task": "candidates.tasks.queue_session_start_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "staff-digests": {"task": "candidates.tasks.queue_staff_digests", "schedule": crontab(hour=7, minute=30)},
    # Application exports hold personal data: their files do not outlive a week.
    "purge-exports": {"task": "candidates.tasks.purge_old_exports", "schedule": crontab(hour=3, minute=53)},
    # Advisers' attestations that lapsed no longer count: screen those applications again.
    "rescreen-lapsed-attestations": {
        "task": "candidates.tasks.rescreen_lapsed_attestations",
        "schedule": crontab(hour=2, minute=23),
    },
    # Advisers' weekly digest: who needs a nudge (candidates.advisers.emails).
    "adviser-digests": {
        "task": "candidates.tasks.queue_adviser_digests",
        "schedule": crontab(day_of_week="mon", hour=8, minute=15),
    },
    # The personal-data access trail is kept a year (portal.audit).
    "purge-access-log": {"task": "portal.tasks.purge_access_log", "schedule": crontab(hour=4, minute=7)},
    # Open data (candidates.reporting.open_data): the night's release, with the date of the data.
    "publish-open-data": {"task": "candidates.tasks.publish_open_data", "schedule": crontab(hour=2, minute=30)},
    # Retention (candidates.personal_data): documents, then applications, then idle accounts.
    "apply-retention": {"task": "candidates.tasks.apply_retention", "schedule": crontab(hour=3, minute=23)},
    # Trainees' follow-up (candidates.follow_up): the forms on leaving and six months later.
    "follow-up-surveys": {"task": "candidates.tasks.queue_follow_up_surveys", "schedule": crontab(hour=10, minute=0)},
}

# --- Reverse proxy ----------------------------------------------------------------------------
# Who may speak for a client (portal.proxy): the addresses and networks of the reverse proxies in
# front of the portal (DJANGO_TRUSTED_PROXIES, comma-separated IPs or CIDRs; loopback by default,
# a proxy on the same machine). A request from anywhere else has its X-Forwarded-* / X-Real-IP /
# Forwarded headers removed by the outermost middleware, before anything reads them.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["127.0.0.0/8", "::1"])
# How many proxies in front of the portal append to X-Forwarded-For (nginx, a load balancer…).
# 0 (no proxy): the client address is REMOTE_ADDR and X-Forwarded-* headers are ignored. N ≥ 1:
# the client is the N-th address from the right of X-Forwarded-For, and X-Forwarded-Proto is read
# (SECURE_PROXY_SSL_HEADER, below) — both only from a trusted proxy. Every per-address limit
# (allauth's login, sign-up, reset and contact limits, the access trail) uses
# portal.proxy.client_ip, through the account adapter for allauth (so allauth's own
# ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER stay unset: one place decides).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
parse_networks(TRUSTED_PROXIES)  # a typo stops the start, it never trusts nobody or everybody silently

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
# Django's and allauth's backends, reading the signed-in user from the cache (portal.auth_backends).
AUTHENTICATION_BACKENDS = [
    "portal.auth_backends.CachedModelBackend",
    "portal.auth_backends.CachedAuthenticationBackend",
]
# The signed-in user from the cache for at most this long (forgotten at once when the row changes).
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=300)
# Read and cached with the signed-in user (its app forgets the user when the row changes).
AUTH_USER_CACHED_RELATIONS = ["candidate_profile"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# django-allauth: email as the login, verified before the account is usable; its built-in rate
# limits (login failures, sign-ups, password resets) are the portal's one lockout mechanism, for
# everyone: the admin's login page sends to the same login (portal.admin). Failures are counted
# per account ("key") and per client address ("ip", see TRUSTED_PROXY_COUNT).
# Deleting an account (the admin's delete included) goes through the candidates' personal data
# service: named here, as allauth's forms are, because portal sits below the apps.
ACCOUNT_DELETION_SERVICE = "candidates.personal_data.delete_account"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Every allauth email (verification, password reset…) goes through the outbox.
ACCOUNT_ADAPTER = "candidates.accounts.CandidateAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Candidates' accounts (issue 3): the sign-up form records consent to the privacy notice and
# creates the candidate profile; a verified email logs the candidate in and leads to the profile.
ACCOUNT_FORMS = {
    "signup": "candidates.forms.SignupForm",
    "login": "candidates.forms.LoginForm",
    "reset_password": "candidates.forms.ResetPasswordForm",
}
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/mon-profil/"
ACCOUNT_SIGNUP_REDIRECT_URL = "/mon-profil/"
ACCOUNT_RATE_LIMITS = {
    # Not an allauth action: the « Aide et contact » form (portal.views), through allauth's limiter.
    "contact": "5/h/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/180s/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Security notices (password or email changed, second factor added or removed) are emailed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Two-factor sign-in (django-allauth MFA): an authenticator app (TOTP), recovery codes, security
# keys and passkeys (WebAuthn). Mandatory for municipal staff, superusers and training-centre staff
# (portal.identity.policy), optional for partners, not asked of candidates.
MFA_ADAPTER = "portal.identity.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Portail des formations numériques")
# WebAuthn needs HTTPS, except on localhost during development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# The State's identity federations, through allauth's OpenID Connect provider (portal.identity.federation:
# nonce, signed userinfo, logout at the provider). Each is configured from the environment; without a
# client id its button is hidden. FranceConnect signs candidates up and in (its identity pivot fills
# the profile, marked verified); ProConnect only signs in professionals who already have an account.
FRANCECONNECT = {
    "issuer": env("FRANCECONNECT_ISSUER", default="https://oidc.franceconnect.gouv.fr/api/v2"),
    "client_id": env("FRANCECONNECT_CLIENT_ID", default=""),
    "secret": env("FRANCECONNECT_CLIENT_SECRET", default=""),
    "scopes": env.list(
        "FRANCECONNECT_SCOPES",
        default=["openid", "given_name", "family_name", "birthdate", "birthplace", "birthcountry", "gender", "email"],
    ),
    "acr_values": env("FRANCECONNECT_ACR_VALUES", default="eidas1"),
    "prompt": env("FRANCECONNECT_PROMPT", default="login consent"),
}
PROCONNECT = {
    "issuer": env("PROCONNECT_ISSUER", default="https://auth.proconnect.gouv.fr/api/v2"),
    "client_id": env("PROCONNECT_CLIENT_ID", default=""),
    "secret": env("PROCONNECT_CLIENT_SECRET", default=""),
    "scopes": env.list("PROCONNECT_SCOPES", default=["openid", "email", "given_name", "usual_name", "uid", "siret"]),
    "acr_values": env("PROCONNECT_ACR_VALUES", default="eidas1"),
    "prompt": env("PROCONNECT_PROMPT", default=""),
    # A ProConnect sign-in counts as a second factor when its acr is one of these or its amr says "mfa".
    "strong_acr_values": env.list(
        "PROCONNECT_STRONG_ACR_VALUES",
        default=[
            "eidas2",
            "eidas3",
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
            "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
        ],
    ),
    # Email domains whose accounts ProConnect may sign in (empty: any professional account).
    "allowed_domains": env.list("PROCONNECT_ALLOWED_DOMAINS", default=[]),
}
SOCIALACCOUNT_ADAPTER = "portal.identity.federation.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "candidates.forms.FederatedSignupForm"}
SOCIALACCOUNT_AUTO_SIGNUP = False  # the sign-up form asks for the consent to the privacy notice
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an existing account is linked only once its owner signed in
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "portal.identity.federation.FederationProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": spec["client_id"],
                "secret": spec["secret"],
                "settings": {
                    "server_url": spec["issuer"],
                    "scope": spec["scopes"],
                    "auth_params": {key: spec[key] for key in ("acr_values", "prompt") if spec[key]},
                    "token_auth_method": "client_secret_post",
                },
            }
            for provider_id, name, spec in (
                ("franceconnect", "FranceConnect", FRANCECONNECT),
                ("proconnect", "ProConnect", PROCONNECT),
            )
            if spec["client_id"]
        ],
    }
}
# Staff sessions (the roles that need a second factor) end after this much inactivity.
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_MINUTES", default=30) * 60
# Argon2id (portal.hashers); hashes of other algorithms are upgraded at their owner's next login.
PASSWORD_HASHERS = [
    "portal.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and private files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "portal.storage.StaticFilesStorage"  # whitenoise's, each URL worked out once
    },
}
# Uploaded documents (CVs, proofs, signed charters) are personal data: they live outside any
# public URL and are served only through views that check who asks (see portal.storage).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
# With several web machines: documents in an S3-compatible object store (portal.storage), e.g.
# s3://KEY:SECRET@bucket?endpoint_url=https://s3.fr-par.scw.cloud&region_name=fr-par
STORAGE_URL = env("STORAGE_URL", default="")
MAX_UPLOAD_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# Any request body larger than this is answered 413 before it is read (portal.security).
MAX_REQUEST_BODY_SIZE = env.int("MAX_REQUEST_BODY_SIZE", default=10 * 1024 * 1024)
# Uploaded images above this many pixels are refused from their header (decompression bombs).
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (smtp+tls://), consolemail://, filemail:///abs/path, ...
vars().update(email_config(env("EMAIL_URL", default="consolemail://")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Portail Paris Code <ne-pas-repondre@portail.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# An email service provider instead of SMTP: set ANYMAIL_ESP (e.g. "brevo", "mailgun",
# "amazon_ses", "postmark") and that provider's ANYMAIL_* credentials (e.g. ANYMAIL_BREVO_API_KEY);
# see https://anymail.dev/en/stable/esps/. Then EMAIL_URL is ignored.
ANYMAIL_ESP = env("ANYMAIL_ESP", default="")
if ANYMAIL_ESP:
    INSTALLED_APPS.append("anymail")
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
    ANYMAIL = {
        key.removeprefix("ANYMAIL_"): value
        for key, value in env.ENVIRON.items()
        if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
    }
# The outbox (portal.outbox): retry delays in seconds (more than 24 h in all), when a queued or
# sending row counts as stale for the sweep, how long finished rows are kept.
OUTBOX_RETRY_DELAYS = env.list(
    "OUTBOX_RETRY_DELAYS", cast=int, default=[60, 300, 900, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600]
)
OUTBOX_QUEUED_GRACE = env.int("OUTBOX_QUEUED_GRACE", default=300)
OUTBOX_SENDING_TIMEOUT = env.int("OUTBOX_SENDING_TIMEOUT", default=900)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)
# Deferred tasks (portal.deferred): how long a recorded task may wait for its first run before
# the sweep publishes it again, and how long a run may last before it counts as dead (more than
# the task time limit); done rows are kept a week.
DEFERRED_TASK_GRACE = env.int("DEFERRED_TASK_GRACE", default=300)
DEFERRED_TASK_LEASE = env.int("DEFERRED_TASK_LEASE", default=360)
DEFERRED_TASK_RETENTION_DAYS = env.int("DEFERRED_TASK_RETENTION_DAYS", default=7)
# Batch re-screening (candidates.screening): applications per chunk, each chunk one task and one
# transaction; the screening workers take a programme's chunks side by side.
RESCREENING_CHUNK_SIZE = env.int("RESCREENING_CHUNK_SIZE", default=2000)

# Personal-data access trail (portal.audit): days kept before the nightly purge (365 at least).
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=365)

# Open data (candidates.reporting): any published figure below this is withheld (secret statistique),
# and so is any figure from which it could be recomputed.
OPEN_DATA_THRESHOLD = env.int("OPEN_DATA_THRESHOLD", default=10)
# Retention (candidates.personal_data): months after the end of the session applied to before
# documents are deleted, then before applications are anonymised (the privacy notice states both).
RETENTION_DOCUMENTS_MONTHS = env.int("RETENTION_DOCUMENTS_MONTHS", default=6)
RETENTION_ANONYMISE_MONTHS = env.int("RETENTION_ANONYMISE_MONTHS", default=24)

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ---------------------------------------------------------------------------------
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
    },
}
# Signing in or out with FranceConnect or ProConnect posts a form that redirects to the provider.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += [
    "{0.scheme}://{0.netloc}".format(urlsplit(spec["issuer"]))
    for spec in (FRANCECONNECT, PROCONNECT)
    if spec["client_id"]
]
# Messages ("Connexion avec Awa Diallo réussie") wait in the cache, named by a random token in a
# cookie: never in a readable cookie, and no session write per message (portal.message_storage).
MESSAGE_STORAGE = "portal.message_storage.CacheStorage"
MESSAGE_CACHE_SECONDS = 600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    if TRUSTED_PROXY_COUNT:
        # Only a proxy that overwrites X-Forwarded-Proto may tell that the request came in HTTPS;
        # from any other address the header never reaches Django (portal.proxy).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: no personal data, only identifiers ---------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Portal -----------------------------------------------------------------------------------
MUNICIPAL_STAFF_GROUP = "Agents municipaux"

# --- Advisers (candidates.advisers) -----------------------------------------------------------
# How long an adviser of an habilitée organisation's attestation of a criterion counts (days).
ATTESTATION_VALIDITY_DAYS = env.int("ATTESTATION_VALIDITY_DAYS", default=183)
# The link asking a person for their accord, the code of the printable sheet, an invitation to
# join an organisation: valid for so many days.
ADVISER_CONSENT_LINK_DAYS = env.int("ADVISER_CONSENT_LINK_DAYS", default=14)
ADVISER_CONSENT_CODE_DAYS = env.int("ADVISER_CONSENT_CODE_DAYS", default=30)
ADVISER_INVITATION_DAYS = env.int("ADVISER_INVITATION_DAYS", default=14)
# A person registered by an adviser without an email address gets a unique address on this
# reserved domain (RFC 2606): the outbox never sends there.
NO_EMAIL_DOMAIN = "sans-email.invalid"
# The municipal team's mailbox: messages of the « Aide et contact » form.
CONTACT_EMAIL = env("CONTACT_EMAIL", default="contact@portail.example.org")
