"""The probe's world, shared by the role matrix (test_probe_matrix.py) and the fuzz suite
(test_fuzz.py): every URL pattern of the portal, resolved programmatically, filled with the objects
of one candidate (the *owner*) and one training centre, walked as every role.

Nothing here lists the portal's pages by hand: ``url_patterns()`` walks the URL resolver (the
admin's included), and ``URL_ARGUMENTS`` only says how to fill a pattern's arguments. A new pattern
whose arguments it cannot fill fails ``test_every_url_pattern_is_probed``, so no page escapes.

Personal data is planted as markers (``MARKERS``): unique words in the owner's name, application,
draft and in the centre's unpublished session. A response that shows a marker to a role outside the
marker's audience is a leak, whatever its status code.
"""

import dataclasses
import datetime
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from candidates import follow_up
from candidates.models import ApplicationDocument, Support
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    ApplicationDocumentFactory,
    ApplicationFactory,
    AppointmentFactory,
    TraineeFollowUpFactory,
    adviser,
    candidate,
)
from candidates.workflow import Status
from partners.tests.factories import CharterFactory, InterestFactory, OpportunityFactory, partner_member
from portal.tests.auth import PortalClient
from portal.tests.factories import UserFactory, give_second_factor, municipal_staff
from programmes.models import Session
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingProviderFactory, centre_staff

ROLES = (
    "anonymous",
    "candidate",
    "other_candidate",
    "centre_staff",
    "other_centre_staff",
    "agent",
    "superuser",
    "partner",
    "adviser",
    "other_adviser",
)

# marker → the roles that may see it. "candidate" is the owner of every object the URLs point at;
# "adviser" is a member of the organisation that supports them (with their accord) and oriented
# their sent application, "other_adviser" a member of another organisation.
MARKERS = {
    # The owner's identity: their name and address, shown to who handles their sent applications
    # (and to the partner company whose opportunity they asked for, and to their adviser).
    "qx7identite": {"candidate", "centre_staff", "agent", "superuser", "partner", "adviser"},
    # A sent application's content: motivation and documents (the adviser prepared it with them).
    "qx7motivation": {"candidate", "centre_staff", "agent", "superuser", "adviser"},
    # An unsent draft: the candidate's only.
    "qx7brouillon": {"candidate"},
    # The centre's session before the City publishes it.
    "qx7nonpubliee": {"centre_staff", "agent", "superuser"},
}
MARKER_PATTERN = re.compile("|".join(MARKERS), re.IGNORECASE)


@dataclasses.dataclass
class World:
    users: dict
    application: object  # the owner's sent application, at the centre's session (invited to a test)
    draft: object  # the owner's draft, at another session of the centre
    document: object
    draft_document: object
    appointment: object
    trainee_follow_up: object
    session: object
    unpublished_session: object
    programme: object
    charter: object
    opportunity: object
    interest: object
    organisation: object  # the orienting organisation that supports the owner (the adviser's)
    support: object
    membership: object  # the adviser's membership of it


def build_world():
    provider = TrainingProviderFactory(name="Structure sondée")
    programme = ProgrammeFactory(slug="programme-sonde", name="Programme sondé")
    session = SessionFactory(programme=programme, site__provider=provider)
    other_session = SessionFactory(programme=programme, site=session.site)
    unpublished = SessionFactory(
        programme=programme, site=session.site, name="Session qx7nonpubliee", publication=Session.Publication.DRAFT
    )
    owner = candidate(
        user__first_name="Zélie",
        user__last_name="Qx7identite",
        user__email="qx7identite@example.org",
    )
    # The organisation that supports the owner (accord given) and oriented their sent application.
    organisation = AdviserOrganisationFactory(name="Organisation sondée")
    owner_adviser = adviser(organisation, user__email="conseiller@example.org")
    support = Support.objects.create(
        organisation=organisation,
        person=owner,
        referent=owner_adviser,
        created_by=owner_adviser,
        created_account=True,
        consented_at=timezone.now(),
    )
    application = ApplicationFactory(
        candidate=owner,
        session=session,
        status=Status.INVITED_TO_TEST,
        submitted_at=timezone.now(),
        screening_outcome="eligible",
        motivation="Ma motivation qx7motivation.",
        oriented_by=organisation,
        prepared_by=owner_adviser,
    )
    document = ApplicationDocumentFactory(application=application, original_name="cv-qx7motivation.pdf")
    appointment = AppointmentFactory(application=application)
    draft = ApplicationFactory(
        candidate=owner, session=other_session, draft_step="review", motivation="Brouillon qx7brouillon."
    )
    draft_document = ApplicationDocumentFactory(
        application=draft, original_name="cv-qx7brouillon.pdf", kind=ApplicationDocument.Kind.CV
    )
    past = SessionFactory(
        programme=programme,
        site=session.site,
        starts_on=timezone.localdate() - datetime.timedelta(days=200),
        ends_on=timezone.localdate() - datetime.timedelta(days=10),
        applications_open_on=timezone.localdate() - datetime.timedelta(days=300),
        applications_close_on=timezone.localdate() - datetime.timedelta(days=210),
    )
    trainee_follow_up = TraineeFollowUpFactory(application__candidate=owner, application__session=past)
    partner = partner_member()
    opportunity = OpportunityFactory(company=partner.partner_memberships.get().company, sessions=[past])
    interest = InterestFactory(opportunity=opportunity, candidate=owner)
    charter = CharterFactory(programme=programme)

    superuser = UserFactory(is_staff=True, is_superuser=True, email="dsi@example.org")
    give_second_factor(superuser)
    other_provider = TrainingProviderFactory(name="Autre structure")
    SessionFactory(site__provider=other_provider)
    users = {
        "anonymous": None,
        "candidate": owner,
        "other_candidate": candidate(),
        "centre_staff": centre_staff(provider),
        "other_centre_staff": centre_staff(other_provider),
        "agent": municipal_staff(),
        "superuser": superuser,
        "partner": partner,
        "adviser": owner_adviser,
        "other_adviser": adviser(AdviserOrganisationFactory(name="Autre organisation")),
    }
    return World(
        users=users,
        application=application,
        draft=draft,
        document=document,
        draft_document=draft_document,
        appointment=appointment,
        trainee_follow_up=trainee_follow_up,
        session=session,
        unpublished_session=unpublished,
        programme=programme,
        charter=charter,
        opportunity=opportunity,
        interest=interest,
        organisation=organisation,
        support=support,
        membership=owner_adviser.adviser_memberships.get(),
    )


def clients(world):
    """One signed-in test client per role (second factor passed for those who have one); 500s are
    answered as a server would, not raised, so that they can be counted."""
    signed_in = {}
    for role, user in world.users.items():
        client = PortalClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="fr")
        if user is not None:
            client.force_login(user)
        signed_in[role] = client
    return signed_in


# --- URL patterns --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    route: str
    name: str  # namespaced ("candidates:apply"), or the route when the pattern has none
    pattern: URLPattern
    regex: re.Pattern
    prefix: str  # the resolver path before the pattern ("admin/", "centre/", "")

    @property
    def arguments(self):
        return sorted(self.regex.groupindex)

    @property
    def is_admin(self):
        return self.route.startswith("admin/")


def url_patterns():
    """Every URL pattern of the portal, as (route, name, pattern), the admin's included."""

    def walk(patterns, prefix, regex_prefix, namespace):
        for entry in patterns:
            regex = regex_prefix + entry.pattern.regex.pattern.lstrip("^").rstrip("$").replace(r"\Z", "")
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry.url_patterns, route, regex, ns)
            elif isinstance(entry, URLPattern):
                name = ":".join(filter(None, [namespace, entry.name])) if entry.name else route
                yield Pattern(route, name, entry, re.compile("^" + regex + "$"), prefix)

    seen = set()
    for pattern in walk(get_resolver().url_patterns, "", "", ""):
        if pattern.route not in seen:
            seen.add(pattern.route)
            yield pattern


def _admin_object(model):
    """The row an admin object URL of ``model`` points at: the owner's when the model is theirs."""
    return model._default_manager.order_by("pk").first()


def _admin_arguments(world, pattern):
    """Arguments of an admin pattern: the object of that model admin (its first row), or the
    model admin's own extra arguments."""
    match = re.match(r"admin:(\w+?)_(\w+?)_", pattern.name) if ":" in pattern.name else None
    model = None
    if match:
        for registered in admin.site._registry:
            if registered._meta.app_label == match.group(1) and registered._meta.model_name == match.group(2):
                model = registered
    values = {}
    for argument in pattern.arguments:
        if argument == "object_id":
            row = _admin_object(model) if model is not None else None
            values[argument] = str(row.pk) if row is not None else "1"
        elif argument == "app_label":
            values[argument] = "candidates"
        elif argument in {"content_type_id"}:
            from django.contrib.contenttypes.models import ContentType

            values[argument] = str(ContentType.objects.get_for_model(world.application).pk)
        elif argument == "history_id":
            history = getattr(model, "history", None) if model is not None else None
            row = history.order_by("pk").first() if history is not None else None
            values[argument] = str(row.pk) if row is not None else "1"
        else:
            values[argument] = "1"
    return [values]


# How to fill each non-admin pattern's arguments: a list of keyword sets, each giving one URL.
URL_ARGUMENTS = {
    "account_confirm_email": lambda w: [{"key": "forged-key"}],
    "account_reset_password_from_key": lambda w: [{"uidb36": "1", "key": "set-password"}],
    "mfa_remove_webauthn": lambda w: [{"pk": "1"}],
    "mfa_edit_webauthn": lambda w: [{"pk": "1"}],
    "openid_connect_login": lambda w: [{"provider_id": "unknown"}],
    "openid_connect_callback": lambda w: [{"provider_id": "unknown"}],
    "programmes:programme_detail": lambda w: [{"slug": w.programme.slug}],
    "programmes:session_detail": lambda w: [{"pk": w.session.pk}, {"pk": w.unpublished_session.pk}],
    "candidates:apply": lambda w: [{"pk": w.session.pk}, {"pk": w.unpublished_session.pk}],
    "candidates:apply_step": lambda w: [
        {"reference": w.draft.reference, "step": step} for step in ("profil", "motivation", "documents", "verification")
    ],
    "candidates:delete_document": lambda w: [{"reference": w.draft.reference, "pk": w.draft_document.pk}],
    "candidates:application_detail": lambda w: [{"reference": w.application.reference}],
    "candidates:write_to_centre": lambda w: [{"reference": w.application.reference}],
    "candidates:move_wish": lambda w: [
        {"reference": w.application.reference, "direction": direction} for direction in ("monter", "descendre")
    ],
    "candidates:application_action": lambda w: [
        {"reference": w.application.reference, "action": action}
        for action in ("retirer", "accepter-la-place", "refuser-la-place")
    ],
    "candidates:document_download": lambda w: [{"pk": w.document.pk}, {"pk": w.draft_document.pk}],
    "candidates:open_data_file": lambda w: [{"name": "ensemble.csv"}],
    "candidates:follow_up_survey": lambda w: [
        {"token": follow_up.survey_token(w.trainee_follow_up, follow_up.EXIT)},
        {"token": "forged"},
    ],
    "partners:charter_detail": lambda w: [{"slug": w.charter.slug}],
    "partners:signed_copy": lambda w: [{"slug": w.charter.slug}],
    "partners:partner_opportunity": lambda w: [{"pk": w.opportunity.pk}],
    "partners:opportunity_edit": lambda w: [{"pk": w.opportunity.pk}],
    "partners:interest_decide": lambda w: [
        {"pk": w.interest.pk, "decision": decision} for decision in ("taken", "not_taken")
    ],
    "partners:trainee_opportunity": lambda w: [{"pk": w.opportunity.pk}],
    "partners:interest_withdraw": lambda w: [{"pk": w.opportunity.pk}],
    "centre:session_detail": lambda w: [{"pk": w.session.pk}, {"pk": w.unpublished_session.pk}],
    "centre:session_edit": lambda w: [{"pk": w.session.pk}, {"pk": w.unpublished_session.pk}],
    "centre:session_submit": lambda w: [{"pk": w.unpublished_session.pk}],
    "centre:application_detail": lambda w: [{"pk": w.application.pk}],
    "centre:application_action": lambda w: [{"pk": w.application.pk}],
    "centre:application_invite": lambda w: [{"pk": w.application.pk}],
    "centre:application_refuse": lambda w: [{"pk": w.application.pk}],
    "centre:appointment_outcome": lambda w: [{"pk": w.appointment.pk}],
    "centre:session_follow_ups": lambda w: [{"pk": w.trainee_follow_up.application.session_id}],
    "centre:follow_up_edit": lambda w: [{"pk": w.trainee_follow_up.pk}],
    # The adviser space: the people the adviser's organisation supports, its members, the
    # applications it oriented (the adviser's objects); the person's side (their own support).
    "advisers:person": lambda w: [{"pk": w.support.pk}],
    "advisers:person_profile": lambda w: [{"pk": w.support.pk}],
    "advisers:start_application": lambda w: [{"pk": w.support.pk}],
    "advisers:attest": lambda w: [{"pk": w.support.pk}],
    "advisers:take_over": lambda w: [{"pk": w.support.pk}],
    "advisers:code_sheet": lambda w: [{"pk": w.support.pk}],
    "advisers:application": lambda w: [{"reference": w.application.reference}],
    "advisers:organisation": lambda w: [{"pk": w.organisation.pk}],
    "advisers:remove_member": lambda w: [{"pk": w.membership.pk}],
    "advisers:accept_invitation": lambda w: [{"key": "forged"}],
    "advisers:consent": lambda w: [{"token": "forged"}],
    "advisers:give_accord": lambda w: [{"pk": w.support.pk}],
    "advisers:withdraw": lambda w: [{"pk": w.support.pk}],
}

# Patterns no role can reach by a plain URL (the ones whose view needs a regex-only path): none yet.


def concrete_paths(world, pattern):
    """The paths of ``pattern`` for this world: one per keyword set."""
    if pattern.is_admin:
        keyword_sets = _admin_arguments(world, pattern)
    elif not pattern.arguments:
        keyword_sets = [{}]
    else:
        keyword_sets = URL_ARGUMENTS[pattern.name](world)
    paths = []
    for keywords in keyword_sets:
        paths.append("/" + _fill(pattern, keywords))
    return paths


def _fill(pattern, keywords):
    """The path a pattern's regex matches, with ``keywords`` in its groups (works for path() and
    re_path() patterns alike, the admin's included)."""
    source = pattern.regex.pattern.removeprefix("^").removesuffix("$")
    out, position = [], 0
    for match in re.finditer(r"\(\?P<(\w+)>", source):
        out.append(_literal(source[position : match.start()]))
        depth, index = 1, match.end()
        while depth:
            if source[index] == "\\":
                index += 2
                continue
            depth += {"(": 1, ")": -1}.get(source[index], 0)
            index += 1
        out.append(str(keywords[match.group(1)]))
        position = index
    out.append(_literal(source[position:]))
    return "".join(out)


def _literal(fragment):
    return re.sub(r"\\(.)", r"\1", fragment.replace("^", "").replace("$", "").replace(r"\Z", ""))


def all_paths(world):
    """(pattern, path) for every pattern of the portal, in a stable order."""
    for pattern in url_patterns():
        for path in concrete_paths(world, pattern):
            yield pattern, path


# --- What a response shows -----------------------------------------------------------------------


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def leaked_markers(role, text):
    return sorted({found.lower() for found in MARKER_PATTERN.findall(text) if role not in MARKERS[found.lower()]})


# --- Forms as the pages render them ---------------------------------------------------------------


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list = dataclasses.field(default_factory=list)
    multiple: bool = False
    checked: bool = False


@dataclasses.dataclass
class Form:
    action: str
    method: str
    fields: list

    def default_data(self):
        """What the browser would post unchanged (files left out)."""
        data = {}
        for field in self.fields:
            if field.kind in {"submit", "button", "reset", "image", "file"}:
                continue
            if field.kind in {"checkbox", "radio"}:
                if field.checked:
                    data.setdefault(field.name, []).append(field.value or "on")
                continue
            if field.kind == "select":
                chosen = field.value if field.value else (field.options[0] if field.options else "")
                data.setdefault(field.name, []).append(chosen)
                continue
            data.setdefault(field.name, []).append(field.value)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(attrs.get("action") or "", (attrs.get("method") or "get").lower(), [])
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            self._form.fields.append(Field(attrs["name"], kind, attrs.get("value") or "", checked="checked" in attrs))
        elif tag == "select":
            self._select = Field(attrs["name"], "select", multiple="multiple" in attrs)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.options.append(value)
            if "selected" in attrs and not self._select.value:
                self._select.value = value
        elif tag == "textarea":
            self._textarea = Field(attrs["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(html, page_path):
    """The forms of a page, their actions made absolute (an empty action posts to the page)."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        action = form.action or page_path
        parts = urlsplit(action)
        if parts.netloc:  # another site's form (none expected): not the portal's to fuzz
            form.action = None
            continue
        form.action = parts.path or page_path
        if parts.query:
            form.fields.extend(Field(name, "hidden", value) for name, value in parse_qsl(parts.query))
    return [form for form in parser.forms if form.action]


# --- Nothing written ----------------------------------------------------------------------------

# Tables a request writes whatever it does: sessions and their list, last login, the access trail of
# pages that were shown (not of a refused change).
_VOLATILE_TABLES = {"django_session", "usersessions_usersession", "portal_accesslog"}
_VOLATILE_COLUMNS = {"last_login", "last_seen_at"}


def fingerprint():
    """A digest of every row of every table the portal and its libraries own (volatile ones aside):
    two equal fingerprints mean nothing was written in between."""
    digest = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in _VOLATILE_TABLES or model._meta.proxy or not model._meta.managed:
                continue
            columns = [
                field.column
                for field in model._meta.local_concrete_fields
                if field.column not in _VOLATILE_COLUMNS and not getattr(field, "generated", False)
            ]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the models)
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digest


def changed_tables(before, after):
    return sorted(table for table in after if before.get(table) != after[table])


class rolled_back:
    """Run a request and undo whatever it wrote (each probe starts from the same world)."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self._atomic.__exit__(*exc)
