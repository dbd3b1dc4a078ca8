"""The fuzz suite (issue 15, item 9): hypothesis fills every form the portal shows and every query
parameter its pages read with hostile values — NUL bytes, 100 kB strings, wrong types, impossible
dates, negative and huge numbers, right-to-left overrides, emoji, foreign choices, random files —
as an anonymous visitor, a candidate, centre staff and a municipal agent.

Nothing is listed by hand: each role's pages are every URL pattern of the portal
(portal.tests.probe), each page's forms are read from its HTML as a browser would, and the admin's
changelists are fuzzed on their filter and search parameters. A new page or form is fuzzed the day
it exists.

Asserted: no response is a 500, and a rejected form (any answer but a redirect) writes nothing
(a fingerprint of every table, before and after, inside a rolled-back transaction).

The admin's add form and the change form of a sample object of every registered ModelAdmin
(``admin.site._registry``, inlines included) are posted the same way, as a municipal agent and as a
superuser: a rejected form writes nothing, a saved one goes through the portal's services (the
side-door guard, portal.doors, is on: a save that bypassed them would be a 500).

Bounded in CI (``pytest -m fuzz``, FUZZ_PROFILE=ci: 2 examples per form, 15 query strings per
role, derandomised); ``make fuzz`` runs the ``long`` profile (150 per form, 2,000 per role).
"""

import collections
import contextlib
import dataclasses
import os

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.tests import probe

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz, pytest.mark.timeout(int(os.environ.get("FUZZ_TIMEOUT", 3600)))]

# Examples per form, and for all of a role's pages' query parameters together.
PROFILES = {"ci": (2, 15), "long": (150, 2000)}
if os.environ.get("FUZZ_EXAMPLES"):  # "30,400": a run between the two, same inputs as ci if FUZZ_PROFILE=ci
    PROFILES = {name: tuple(int(n) for n in os.environ["FUZZ_EXAMPLES"].split(",")) for name in PROFILES}
for name, (per_form, _) in PROFILES.items():
    settings.register_profile(
        name,
        max_examples=per_form,
        deadline=None,
        derandomize=name == "ci",  # the same inputs on every CI run: a red run is reproducible
        suppress_health_check=list(HealthCheck),
        database=None,
    )
# Not HYPOTHESIS_PROFILE: the root conftest loads that one for the whole suite (quick, thorough).
PROFILE = os.environ.get("FUZZ_PROFILE", "ci")

FUZZED_ROLES = ("anonymous", "candidate", "centre_staff", "agent", "adviser")
# The admin's add and change forms, every ModelAdmin of admin.site._registry, as these roles.
ADMIN_ROLES = ("agent", "superuser")

# Values people and scanners actually send (the December probe's list), beside generated text.
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "\u202ecod.exe",
    "مرحبا بالعالم",
    "🚀🎓👩🏽‍💻",
    "%s%n%x",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "'; DROP TABLE candidates_application; --",
    "../../../../etc/passwd",
    "-1",
    "0",
    "2147483648",
    "99999999999999999999",
    "-99999999999999999999",
    "1e10",
    "NaN",
    "inf",
    "3.5",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "9999-12-31",
    "31/12/2026",
    "abc",
    "true",
    "[]",
    "{}",
    "00000000-0000-0000-0000-000000000000",
]
# Query parameters every page is tried with, beside those its own GET forms name.
COMMON_PARAMETERS = ["page", "q", "o", "p", "next", "tri", "e", "_changelist_filters", "all"]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=500),
    st.integers().map(str),
    st.dates(min_value=__import__("datetime").date(1, 1, 1)).map(lambda d: d.isoformat()),
)


@dataclasses.dataclass
class Target:
    method: str
    path: str
    form: probe.Form | None  # None: a page's query parameters
    parameters: list


def _value_for(field):
    """A strategy for one field: its own value or choice (so that a form can also pass), a hostile
    value, several values where one is expected, or nothing."""
    own = [field.value] + field.options if field.options else [field.value]
    single = st.one_of(st.sampled_from(own), hostile_text)
    return st.one_of(single, st.lists(single, min_size=0, max_size=3))


def _file_value():
    return st.builds(
        lambda content, name: SimpleUploadedFile(name, content),
        st.one_of(st.binary(max_size=2048), st.sampled_from([b"%PDF-1.4\n<html><script>", b"\xff\xd8\xff\xe0"])),
        st.sampled_from(["cv.pdf", "photo.jpg", "x.html", "\u202efdp.exe", "a\x00.pdf", "../../x.pdf"]),
    )


@st.composite
def payloads(draw, target):
    data = {}
    if target.form is None:
        for name in draw(st.lists(st.sampled_from(target.parameters), min_size=1, max_size=4, unique=True)):
            data[name] = draw(st.one_of(hostile_text, st.lists(hostile_text, max_size=3)))
        return data
    for field in target.form.fields:
        if field.kind in {"submit", "button", "reset", "image"}:
            continue
        if field.name == "csrfmiddlewaretoken":
            data[field.name] = field.value
            continue
        choice = draw(st.sampled_from(["keep", "fuzz", "fuzz", "omit"]))
        if choice == "omit":
            continue
        if field.kind == "file":
            if choice == "fuzz":
                data[field.name] = draw(_file_value())
            continue
        if choice == "keep":
            default = target.form.default_data().get(field.name)
            if default is not None:
                data[field.name] = default
            continue
        data[field.name] = draw(_value_for(field))
    return data


def _targets(client, world):
    """Every form on the role's pages (the admin's changelists aside) and every page's query
    parameters; the admin's changelists by their filter and search parameters."""
    targets, seen = [], set()
    for pattern, path in probe.all_paths(world):
        if pattern.is_admin and not pattern.name.endswith("_changelist"):
            continue
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parameters = set(COMMON_PARAMETERS)
        for form in probe.forms_in(probe.body_of(response), path):
            if form.method == "get":
                parameters.update(field.name for field in form.fields)
            elif not pattern.is_admin and (form.action, tuple(f.name for f in form.fields)) not in seen:
                seen.add((form.action, tuple(f.name for f in form.fields)))
                targets.append(Target("post", form.action, form, []))
        if pattern.is_admin:
            parameters.update(_changelist_parameters(probe.body_of(response)))
        targets.append(Target("get", path, None, sorted(parameters)))
    return targets


def _changelist_parameters(html):
    """The filter names a changelist's sidebar links to (``?status=…``, ``?programme__id__exact=…``)."""
    import re
    from html import unescape

    names = set()
    for query in re.findall(r'href="\?([^"#]*)"', html):
        names.update(part.split("=", 1)[0] for part in unescape(query).split("&") if part)
    return names


FIGURES = collections.Counter()


def _check(client, target, payload):
    """Send one hostile request; no 500, and nothing written unless the form was accepted."""
    cache.clear()  # allauth's limits would answer 429 and hide the forms behind them
    cookies = client.cookies.output(header="", sep=";")
    with probe.rolled_back():
        before = probe.fingerprint() if target.method == "post" else None
        response = client.post(target.path, payload) if target.method == "post" else client.get(target.path, payload)
        written = probe.changed_tables(before, probe.fingerprint()) if before is not None else []
    client.cookies.clear()
    client.cookies.load(cookies)  # signed out or switched by the payload: the next example starts the same
    FIGURES["posts" if target.method == "post" else "gets"] += 1
    FIGURES["server errors"] += response.status_code >= 500
    FIGURES["accepted"] += target.method == "post" and response.status_code in (301, 302, 303)
    FIGURES["rejected yet written"] += bool(written) and response.status_code not in (301, 302, 303)
    assert response.status_code < 500, f"{target.method.upper()} {target.path} {payload!r}"
    if response.status_code not in (301, 302, 303):
        assert written == [], f"rejected ({response.status_code}) yet wrote {written}: {target.path} {payload!r}"


def _fuzz_forms(client, targets):
    def form_fuzzer(target):
        @settings(settings.get_profile(PROFILE))
        @given(payload=payloads(target))
        def fuzz_form(payload):
            _check(client, target, payload)

        return fuzz_form

    for target in targets:
        form_fuzzer(target)()


@pytest.mark.parametrize("role", FUZZED_ROLES)
def test_no_input_gives_a_500_and_a_rejected_form_writes_nothing(role):
    world = probe.build_world()
    client = probe.clients(world)[role]
    targets = _targets(client, world)
    forms = [target for target in targets if target.form is not None]
    assert targets and (role == "anonymous" or forms), "the crawl found nothing to fuzz"

    per_form, query_examples = PROFILES[PROFILE]

    def check(target, *, payload):
        _check(client, target, payload)

    # Every form, each with its own examples (a form added tomorrow gets its share)...
    _fuzz_forms(client, forms)
    FIGURES[f"forms {role}"] = len(forms)
    FIGURES[f"pages {role}"] = sum(target.form is None for target in targets)

    # ...and every page's query parameters, drawn among all pages.
    pages = [target for target in targets if target.form is None]

    @settings(settings.get_profile(PROFILE), max_examples=query_examples)
    @given(st.data())
    def fuzz_queries(data):
        target = data.draw(st.sampled_from(pages), label="page")
        check(target, payload=data.draw(payloads(target), label="parameters"))

    fuzz_queries()


# --- The admin's add and change forms ----------------------------------------------------------


def _admin_form_pages(world):
    """For every registered ModelAdmin: its add page, and the change page of a sample object (the
    probe's: the owner's when the model is theirs, else the first row)."""
    pages = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        row = probe._admin_object(model)
        if row is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
    return pages


def _admin_form_targets(client, world):
    """The main form of each add and change page the role may open (with its inlines' formsets)."""
    targets = []
    for path in _admin_form_pages(world):
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue  # not this role's (403, 302 to the index, 404 for an object it cannot see)
        for form in probe.forms_in(probe.body_of(response), path):
            if form.method == "post" and form.action == path:
                targets.append(Target("post", path, form, []))
    return targets


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_admin_s_add_and_change_forms_take_hostile_values_without_a_500(role):
    world = probe.build_world()
    client = probe.clients(world)[role]
    targets = _admin_form_targets(client, world)
    assert targets, "no admin form found"

    _fuzz_forms(client, targets)
    FIGURES[f"admin forms {role}"] = len(targets)


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request):
    """The figures the README quotes, printed even without -s."""
    yield
    if FIGURES:
        roles = ", ".join(f"{role} {FIGURES[f'forms {role}']}" for role in FUZZED_ROLES if f"forms {role}" in FIGURES)
        admin_forms = ", ".join(
            f"{role} {FIGURES[f'admin forms {role}']}" for role in ADMIN_ROLES if f"admin forms {role}" in FIGURES
        )
        pages = sum(value for key, value in FIGURES.items() if key.startswith("pages "))
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(
                f"\nfuzz ({PROFILE}): forms {roles}; admin add/change forms {admin_forms}; {pages} pages with their "
                f"query parameters; {FIGURES['posts']} POSTs ({FIGURES['accepted']} accepted) and {FIGURES['gets']} GETs "
                f"sent, {FIGURES['server errors']} server errors, {FIGURES['rejected yet written']} writes on a rejected form"
            )
