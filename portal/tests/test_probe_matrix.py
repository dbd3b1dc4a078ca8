"""The December 2026 probe, reproducible: every URL pattern of the portal (the admin's included),
each filled with one candidate's and one centre's objects, requested by every role; then every
state-changing POST on another's object, with the data its owner's page would post. No response is
a 500, none shows personal data to a role outside its audience (portal.tests.probe.MARKERS), and no
POST on another's object writes anything.

``pytest -m probe`` (``make probe``) prints the figures the README quotes.
"""

import collections
import copy

import pytest
from django.core.cache import cache

from portal.tests import probe

pytestmark = pytest.mark.django_db

# Non-admin patterns whose arguments name an object, and the roles whose object it is (who may
# change it). Every other role's POST on it must write nothing.
OWNED = {
    "candidates:apply_step": {"candidate"},
    "candidates:delete_document": {"candidate"},
    "candidates:application_detail": {"candidate"},
    "candidates:write_to_centre": {"candidate"},
    "candidates:move_wish": {"candidate"},
    "candidates:application_action": {"candidate"},
    "candidates:document_download": {"candidate", "centre_staff", "agent", "superuser"},
    "partners:partner_opportunity": {"partner"},
    "partners:opportunity_edit": {"partner"},
    "partners:interest_decide": {"partner"},
    "partners:interest_withdraw": {"candidate"},
    "centre:session_detail": {"centre_staff"},
    "centre:session_edit": {"centre_staff"},
    "centre:session_submit": {"centre_staff"},
    "centre:application_detail": {"centre_staff"},
    "centre:application_action": {"centre_staff"},
    "centre:application_invite": {"centre_staff"},
    "centre:application_refuse": {"centre_staff"},
    "centre:appointment_outcome": {"centre_staff"},
    "centre:session_follow_ups": {"centre_staff"},
    "centre:follow_up_edit": {"centre_staff"},
    # The adviser space: the owner's support, the application the adviser's organisation oriented,
    # the organisation and its members. Another organisation's adviser gets a 404 on each.
    "advisers:person": {"adviser"},
    "advisers:person_profile": {"adviser"},
    "advisers:start_application": {"adviser"},
    "advisers:attest": {"adviser"},
    "advisers:take_over": {"adviser"},
    "advisers:code_sheet": {"adviser"},
    "advisers:application": {"adviser"},
    "advisers:organisation": {"adviser"},
    "advisers:remove_member": {"adviser"},
    # The person's side of their support: their accord, withdrawing the organisation's access.
    "advisers:give_accord": {"candidate"},
    "advisers:withdraw": {"candidate"},
}
# Patterns with arguments that name no one's private object, and why.
NOT_OWNED = {
    "advisers:accept_invitation": "the key is the credential (a forged one is probed)",
    "advisers:consent": "the signed token is the credential (a forged one is probed)",
    "account_confirm_email": "the key is the credential (a forged one is probed)",
    "account_reset_password_from_key": "the key is the credential",
    "mfa_remove_webauthn": "the signed-in person's own keys only (allauth)",
    "mfa_edit_webauthn": "the signed-in person's own keys only (allauth)",
    "openid_connect_login": "a provider's name",
    "openid_connect_callback": "a provider's name",
    "programmes:programme_detail": "public page",
    "programmes:session_detail": "public page (an unpublished session is probed for leaks)",
    "candidates:apply": "any candidate may apply to a public session",
    "candidates:open_data_file": "public file",
    "candidates:follow_up_survey": "the signed token is the credential (a forged one is probed)",
    "partners:charter_detail": "public page",
    "partners:signed_copy": "public file",
    "partners:trainee_opportunity": "offered to every trainee of the sessions it names",
}
# Admin object pages whose POST changes or deletes: only staff reach them.
ADMIN_WRITES = ("_change", "_delete")
STAFF = {"agent", "superuser"}


def test_every_url_pattern_is_probed():
    """A new pattern with arguments must say how to fill them (probe.URL_ARGUMENTS) and whose
    object it names (OWNED or NOT_OWNED): no page escapes the matrix."""
    with_arguments = {p.name for p in probe.url_patterns() if p.arguments and not p.is_admin}
    assert with_arguments - set(probe.URL_ARGUMENTS) == set()
    assert with_arguments - set(OWNED) - set(NOT_OWNED) == set()
    assert set(OWNED) & set(NOT_OWNED) == set()


@pytest.mark.probe
@pytest.mark.timeout(1800)
def test_every_url_as_every_role_leaks_nothing_and_never_fails(capsys):
    world = probe.build_world()
    clients = probe.clients(world)
    figures = collections.Counter()
    failures = []
    # (role, action) → what that role's page posts there: the data replayed by the other roles.
    posted = {}
    # Another organisation's adviser gets a 404 on every page of the adviser's objects, which the
    # adviser opens; a POST-only action answers a GET 405 to both, and another's POST 404.
    adviser_pages = collections.defaultdict(dict)

    # 1. Every pattern × every role (GET).
    for pattern, path in probe.all_paths(world):
        figures["patterns"] += path == probe.concrete_paths(world, pattern)[0]
        figures["admin paths" if pattern.is_admin else "site paths"] += 1
        for role, client in clients.items():
            cache.clear()  # allauth's limits would answer 429 to the login pages after a while
            response = client.get(path)
            figures["get"] += 1
            figures["admin" if pattern.is_admin else "site"] += 1
            body = probe.body_of(response)
            leaks = probe.leaked_markers(role, body)
            if response.status_code >= 500:
                failures.append(f"500: GET {path} as {role}")
            if not pattern.is_admin and response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for form in probe.forms_in(body, path):
                    if form.method == "post":
                        posted.setdefault((role, form.action), form.default_data())
            if leaks:
                failures.append(f"leak {leaks}: GET {path} as {role} ({response.status_code})")
            if "adviser" in OWNED.get(pattern.name, ()) and role in {"adviser", "other_adviser"}:
                adviser_pages[path][role] = response.status_code

    for path, statuses in adviser_pages.items():
        figures["adviser paths"] += 1
        if statuses not in ({"adviser": 200, "other_adviser": 404}, {"adviser": 405, "other_adviser": 405}):
            failures.append(f"adviser space: GET {path} answered {statuses}")

    # 2. Every state-changing POST on another's object, with what its owner would post.
    targets = [
        (pattern, path, OWNED[pattern.name]) for pattern, path in probe.all_paths(world) if pattern.name in OWNED
    ] + [
        (pattern, path, STAFF)
        for pattern, path in probe.all_paths(world)
        if pattern.is_admin and pattern.name.endswith(ADMIN_WRITES) and "object_id" in pattern.arguments
    ]
    for pattern, path, owners in targets:
        # What the owner's own page posts there (a POST-only action's form is on another page).
        data = (
            {"post": "yes"}
            if pattern.is_admin
            else next((posted[owner, path] for owner in sorted(owners) if (owner, path) in posted), {})
        )
        figures["replayed"] += bool(data) and not pattern.is_admin
        for role in sorted(set(probe.ROLES) - owners):
            client = clients[role]
            cookies = copy.deepcopy(client.cookies)
            with probe.rolled_back():
                before = probe.fingerprint()
                response = client.post(path, data)
                written = probe.changed_tables(before, probe.fingerprint())
            client.cookies = cookies  # a POST that signed the role out must not change the next probe
            figures["post"] += 1
            leaks = probe.leaked_markers(role, probe.body_of(response))
            if response.status_code >= 500:
                failures.append(f"500: POST {path} as {role}")
            if written:
                failures.append(f"write {written}: POST {path} as {role} ({response.status_code})")
            if "adviser" in owners and role == "other_adviser" and response.status_code != 404:
                failures.append(f"adviser space: POST {path} as {role} answered {response.status_code}")
            if leaks:
                failures.append(f"leak {leaks}: POST {path} as {role}")

    total = figures["get"] + figures["post"]
    with capsys.disabled():  # the figures the README quotes, even without -s
        print(
            f"\nprobe: {total} requests — {figures['patterns']} URL patterns as {figures['site paths']} site URLs "
            f"and {figures['admin paths']} admin URLs × {len(probe.ROLES)} roles = {figures['get']} GETs "
            f"({figures['site']} site, {figures['admin']} admin), {figures['post']} POSTs on others' objects "
            f"({figures['replayed']} site URLs replayed with the data the owner's page posts); "
            f"{figures['adviser paths']} adviser-space URLs: 404 to another organisation's adviser; leaks: {sum('leak' in f for f in failures)}, 500s: {sum(f.startswith('500') for f in failures)}, "
            f"writes: {sum(f.startswith('write') for f in failures)}"
        )
    assert failures == []
