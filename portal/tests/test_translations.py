"""The portal is French first and English must be complete: the English catalogue has no
untranslated or fuzzy entry, the committed .mo matches the .po, and pages switch to English when
the visitor asks for it (language cookie or Accept-Language)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from programmes.tests.factories import SessionFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%|\{\w*\}")


def read_po(path):
    """The entries of a .po file as dicts of field -> text (msgctxt, msgid, msgid_plural, msgstr,
    msgstr[N]) plus "flags"; obsolete (#~) entries are left out, the header is kept."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def entries():
    return read_po(CATALOGUE / "django.po")


def translations_of(entry):
    return [value for field, value in entry.items() if field.startswith("msgstr")]


def test_english_catalogue_is_complete_and_nothing_is_fuzzy(entries):
    messages = [entry for entry in entries if entry["msgid"]]
    assert len(messages) > 500
    untranslated = [entry["msgid"] for entry in messages if not all(translations_of(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_english_translations_keep_the_placeholders(entries):
    wrong = []
    for entry in entries:
        if not entry["msgid"]:
            continue
        if "msgid_plural" in entry:
            expected = set(PLACEHOLDER.findall(entry["msgid_plural"]))
            # the singular form may spell the number out ("its only place")
            pairs = [(set(PLACEHOLDER.findall(entry["msgstr[1]"])), expected)]
            pairs.append((set(PLACEHOLDER.findall(entry["msgstr[0]"])) - expected, set()))
        else:
            pairs = [(set(PLACEHOLDER.findall(entry["msgstr"])), set(PLACEHOLDER.findall(entry["msgid"])))]
        if any(found != wanted for found, wanted in pairs):
            wrong.append(entry["msgid"])
    assert wrong == []


def test_committed_mo_matches_the_po(entries):
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if not entry["msgid"]:
            continue
        msgid, context = entry["msgid"], entry.get("msgctxt")
        if "msgid_plural" in entry:
            plural = entry["msgid_plural"]
            found = compiled.npgettext(context, msgid, plural, 2) if context else compiled.ngettext(msgid, plural, 2)
            ok = found == entry["msgstr[1]"]
        else:
            ok = (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) == entry["msgstr"]
        if not ok:
            stale.append(entry["msgid"])
    assert stale == [], "run `manage.py compilemessages` and commit locale/en/LC_MESSAGES/django.mo"


def test_gettext_answers_in_english():
    with translation.override("en"):
        assert translation.gettext("Mes candidatures") == "My applications"
        assert translation.ngettext("%(seats)s place", "%(seats)s places", 3) == "%(seats)s places"
    with translation.override("fr"):
        assert translation.gettext("Mes candidatures") == "Mes candidatures"


PAGES = [
    # (url name, English phrase, French phrase)
    ("home", "Train for free for digital jobs", "Se former gratuitement aux métiers du numérique"),
    ("programmes:catalogue", "1 session found", "1 session trouvée"),
    ("account_login", "Forgotten your password?", "Mot de passe oublié ?"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "english", "french"), PAGES)
def test_pages_speak_english_when_the_language_cookie_asks(client, name, english, french):
    SessionFactory()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse(name)).content.decode()

    assert '<html lang="en">' in content
    assert english in content
    assert french not in content


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "english", "french"), PAGES)
def test_pages_follow_accept_language(client, name, english, french):
    SessionFactory()

    english_page = client.get(reverse(name), headers={"accept-language": "en-GB,en;q=0.9"}).content.decode()
    french_page = client.get(reverse(name)).content.decode()

    assert english in english_page
    assert french not in english_page
    assert french in french_page
    assert english not in french_page


@pytest.mark.django_db
def test_the_language_switch_sets_english_for_the_next_pages(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})

    assert response.status_code == 302
    content = client.get(response["Location"]).content.decode()
    assert "Train for free for digital jobs" in content
    assert "Se former gratuitement" not in content
