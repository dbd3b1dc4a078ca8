"""The secrets an adviser's work hands out: the link in the email that asks a person for their
accord, the code of the printable sheet for a person without email, the key of an invitation to
join an organisation. Links are signed (nothing stored) and die when the support's
``link_version`` moves on; codes and keys are stored as digests only."""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

CONSENT_SALT = "candidates.advisers.consent"
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or copied from paper is typed right.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8


def consent_token(support):
    return signing.dumps({"s": support.pk, "v": support.link_version}, salt=CONSENT_SALT, compress=True)


def read_consent_token(token):
    """``(support_id, link_version)`` from a token still valid, else None."""
    max_age = settings.ADVISER_CONSENT_LINK_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=CONSENT_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("v"), int):
        return None
    return data["s"], data["v"]


def consent_url(support):
    return settings.SITE_URL + reverse("advisers:consent", args=[consent_token(support)])


def new_code():
    """A code for the printable sheet, grouped by four: « K7PM-Q4XD »."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def code_digest(code):
    """The stored form of a code, whatever its case and separators."""
    cleaned = "".join(character for character in str(code).upper() if character.isalnum())
    return salted_hmac("candidates.advisers.code", cleaned).hexdigest()


def new_key():
    return secrets.token_urlsafe(32)


def key_digest(key):
    return hashlib.sha256(str(key).encode()).hexdigest()
