"""The adviser space and the person's side: applying with and for someone (find or register the
person, fill the profile and the steps, send for their accord), the accord from the email or the
code sheet (claiming the account), « Mon accompagnement » (withdrawing the access), invitations,
joining and leaving; the permission matrix and the space's query count."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from candidates.advisers import consent
from candidates.models import AdviserMembership, Application, ApplicationEvent, CriterionVerification, Support
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    SupportFactory,
    adviser,
    candidate,
    oriented_application,
)
from candidates.tests.samples import MOTIVATION, PDF, PROFILE_FORM
from candidates.workflow import Actor, Status
from portal.models import OutgoingEmail, User
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return AdviserOrganisationFactory(name="France Travail Paris 20e Belleville", kind="france_travail")


@pytest.fixture
def karim(organisation):
    return adviser(organisation, user__first_name="Karim", user__last_name="Haddad")


def link_in(email):
    return re.search(r"https?://\S+", email.body_text.split("\n--\n")[0].split(":", 1)[-1] + " ").group(0)


def path_of(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def send_for_accord(client, application):
    url = reverse("advisers:application", args=[application.reference])
    client.post(url, {"part": "motivation", "motivation": MOTIVATION})
    client.post(url, {"part": "document", "kind": "cv", "file": SimpleUploadedFile("cv.pdf", PDF, "application/pdf")})
    return client.post(url, {"part": "send"})


def test_an_adviser_applies_with_and_for_someone_who_confirms_from_the_email(
    client, karim, organisation, open_session, django_capture_on_commit_callbacks
):
    client.force_login(karim)
    response = client.post(
        reverse("advisers:person_new"),
        {"email": "awa.diallo@example.org", "phone": "06 12 34 56 78", "first_name": "Awa", "last_name": "Diallo"},
    )
    support = Support.objects.get(organisation=organisation)
    awa = support.person
    assert response["Location"] == reverse("advisers:person", args=[support.pk])
    assert (awa.email, awa.has_usable_password(), support.referent, support.created_account) == (
        "awa.diallo@example.org",
        False,
        karim,
        True,
    )
    assert not OutgoingEmail.objects.exists()  # a new account: the accord is asked with the application

    profile = client.post(reverse("advisers:person_profile", args=[support.pk]), PROFILE_FORM)
    assert profile.status_code == 302
    client.post(reverse("advisers:start_application", args=[support.pk]), {"session": open_session.pk})
    application = Application.objects.get(candidate=awa)
    assert (application.oriented_by, application.prepared_by, application.status) == (
        organisation,
        karim,
        Status.DRAFT,
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_for_accord(client, application)
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION
    assert callbacks == [] or all("screen" not in repr(c) for c in callbacks)  # nothing screened before the accord
    email = OutgoingEmail.objects.get(kind="adviser_accord_request")
    assert email.recipient == "awa.diallo@example.org"
    assert "Karim Haddad (France Travail Paris 20e Belleville) a préparé avec vous une candidature" in email.body_text
    assert open_session.name in email.body_text

    # The person follows the link (signed out), claims the account, is signed in, then confirms.
    client.logout()
    accord_url = path_of(re.search(r"https?://\S+/accord/\S+/", email.body_text).group(0))
    page = client.get(accord_url)
    assert "France Travail Paris 20e Belleville vous accompagne" in page.content.decode()
    given = client.post(accord_url, {"agree": "on", "password": "une phrase de passe solide 2026"})
    assert given["Location"] == reverse("candidates:application_list")
    awa.refresh_from_db()
    support.refresh_from_db()
    assert awa.has_usable_password() and support.is_consented
    assert awa.emailaddress_set.get().verified  # the link proved the address
    detail = client.get(reverse("candidates:application_detail", args=[application.reference])).content.decode()
    assert "Confirmer et envoyer la candidature" in detail
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("candidates:application_action", args=[application.reference, "confirm"]))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    events = list(ApplicationEvent.objects.filter(application=application).order_by("pk"))
    assert [(e.transition, e.actor, e.actor_role) for e in events] == [
        ("request_confirmation", karim, Actor.ADVISER),
        ("confirm", awa, Actor.CANDIDATE),
    ]
    # The link is spent for a stranger: a signed-in other person gets a 404.
    client.force_login(candidate())
    assert client.get(accord_url).status_code in (404, 302)


def test_a_person_without_email_gives_their_accord_with_the_code_sheet(client, karim, organisation, open_session):
    client.force_login(karim)
    client.post(
        reverse("advisers:person_new"), {"phone": "06 98 76 54 32", "first_name": "Moussa", "last_name": "Keita"}
    )
    support = Support.objects.get(organisation=organisation)
    assert not support.person.has_email
    sheet = client.post(reverse("advisers:code_sheet", args=[support.pk]))
    code = re.search(r"data-code>([A-Z0-9-]+)<", sheet.content.decode()).group(1)
    assert sheet["Cache-Control"].startswith("max-age=0")

    client.logout()
    wrong = client.post(reverse("advisers:code"), {"phone": "0698765432", "code": "AAAA-AAAA"})
    assert "Ce code ne correspond pas" in wrong.content.decode()
    page = client.post(reverse("advisers:code"), {"phone": "0698765432", "code": code.lower()})
    assert "vous accompagne" in page.content.decode()
    given = client.post(reverse("advisers:code"), {"agree": "on"})
    assert given["Location"] == reverse("candidates:application_list")
    support.refresh_from_db()
    assert support.is_consented
    assert int(client.session["_auth_user_id"]) == support.person_id


def test_too_many_wrong_codes_void_the_sheet(karim, organisation):
    support = SupportFactory(organisation=organisation, person=candidate(phone="06 98 76 54 32"))
    code = consent.print_code_sheet(support, adviser=karim)
    for _ in range(consent.MAX_CODE_FAILURES):
        with pytest.raises(consent.AccordInvalid):
            consent.support_from_code(phone="06 98 76 54 32", code="AAAA-AAAA")
    with pytest.raises(consent.AccordInvalid):
        consent.support_from_code(phone="06 98 76 54 32", code=code)


def test_someone_who_has_an_account_is_asked_first_and_shows_nothing_until_then(client, karim, organisation):
    nadia = candidate(user__email="nadia@example.org", user__first_name="Nadia", postcode="75020")
    client.force_login(karim)
    client.post(reverse("advisers:person_new"), {"email": "NADIA@example.org"})
    support = Support.objects.get(person=nadia)
    assert not support.shows_profile
    email = OutgoingEmail.objects.get(kind="adviser_accord_request")
    assert "souhaite vous accompagner" in email.body_text and email.recipient_user == nadia
    page = client.get(reverse("advisers:person", args=[support.pk])).content.decode()
    assert "75020" not in page and "doit d'abord donner son accord" in page
    assert client.get(reverse("advisers:person_profile", args=[support.pk])).status_code == 404

    # Nadia has a password: the link asks her to sign in; signed in, she agrees.
    client.logout()
    link = path_of(re.search(r"https?://\S+/accord/\S+/", email.body_text).group(0))
    assert client.get(link)["Location"].startswith(reverse("account_login"))
    client.force_login(nadia)
    assert "password" not in client.get(link).context["form"].fields
    client.post(link, {"agree": "on"})
    support.refresh_from_db()
    assert support.is_consented


def test_the_person_withdraws_the_access_and_the_adviser_sees_nothing_more(client, karim, organisation):
    application = oriented_application(Status.SUBMITTED, organisation=organisation, by=karim)
    support = Support.objects.get(person=application.candidate)
    client.force_login(application.candidate)
    mine = client.get(reverse("advisers:my_supports")).content.decode()
    assert "France Travail Paris 20e Belleville" in mine
    client.post(reverse("advisers:withdraw", args=[support.pk]))
    support.refresh_from_db()
    assert support.withdrawn_at is not None
    notice = OutgoingEmail.objects.get(kind="adviser_access_withdrawn")
    assert notice.recipient_user == karim and "a retiré à France Travail Paris 20e Belleville" in notice.body_text

    client.force_login(karim)
    assert client.get(reverse("advisers:person", args=[support.pk])).status_code == 404
    assert client.get(reverse("advisers:application", args=[application.reference])).status_code == 404
    assert application.candidate.get_full_name() not in client.get(reverse("advisers:space")).content.decode()


def test_another_person_cannot_withdraw_or_see_someone_elses_support(client, karim, organisation):
    support = SupportFactory(organisation=organisation)
    client.force_login(candidate())
    assert client.post(reverse("advisers:withdraw", args=[support.pk])).status_code == 404
    assert client.post(reverse("advisers:give_accord", args=[support.pk])).status_code == 404


# --- Permission matrix ------------------------------------------------------------------------


@pytest.fixture
def followed(karim, organisation):
    return oriented_application(Status.DRAFT, organisation=organisation, by=karim)


def adviser_pages(application):
    support = Support.objects.get(person=application.candidate)
    return [
        ("get", reverse("advisers:person", args=[support.pk])),
        ("get", reverse("advisers:person_profile", args=[support.pk])),
        ("get", reverse("advisers:application", args=[application.reference])),
        ("post", reverse("advisers:attest", args=[support.pk])),
        ("post", reverse("advisers:take_over", args=[support.pk])),
        ("post", reverse("advisers:code_sheet", args=[support.pk])),
        ("post", reverse("advisers:start_application", args=[support.pk])),
    ]


@pytest.mark.parametrize(
    "who", ["candidate", "the_person", "other_centre_staff", "municipal_staff", "other_adviser", "left"]
)
def test_others_get_404_on_the_adviser_pages(client, followed, karim, who):
    user = {
        "candidate": lambda: candidate(),
        "the_person": lambda: followed.candidate,
        "other_centre_staff": lambda: centre_staff(TrainingProviderFactory()),
        "municipal_staff": municipal_staff,
        "other_adviser": lambda: adviser(AdviserOrganisationFactory()),
        "left": lambda: karim,
    }[who]()
    if who == "left":
        AdviserMembership.objects.filter(user=karim).update(left_at=timezone.now())
    client.force_login(user)
    for method, url in adviser_pages(followed):
        assert getattr(client, method)(url).status_code == 404, url
    if who != "other_adviser":
        assert client.get(reverse("advisers:space")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, followed):
    for method, url in [("get", reverse("advisers:space")), *adviser_pages(followed)]:
        assert getattr(client, method)(url)["Location"].startswith(reverse("account_login"))


def test_a_colleague_sees_the_people_of_the_organisation(client, followed, organisation):
    client.force_login(adviser(organisation))
    assert client.get(reverse("advisers:application", args=[followed.reference])).status_code == 200


def test_a_non_habilitated_organisation_cannot_attest(client, followed, organisation, karim):
    organisation.is_habilitated, organisation.habilitated_at = False, None
    organisation.save()
    support = Support.objects.get(person=followed.candidate)
    client.force_login(karim)
    page = client.get(reverse("advisers:person", args=[support.pk])).content.decode()
    assert "n'est pas habilitée" in page and 'name="criteria"' not in page
    response = client.post(
        reverse("advisers:attest", args=[support.pk]), {"criteria": ["job_seeker"], "comment": "Dossier vu"}
    )
    assert response.status_code == 302 and not CriterionVerification.objects.exists()


def test_an_habilitated_adviser_attests_from_the_person_page(client, followed, karim):
    support = Support.objects.get(person=followed.candidate)
    client.force_login(karim)
    client.post(reverse("advisers:attest", args=[support.pk]), {"criteria": ["rsa"], "comment": "Attestation CAF vue"})
    attestation = CriterionVerification.objects.get()
    assert (attestation.criterion, attestation.verified_by, attestation.source) == ("rsa", karim, "adviser")


# --- The space: filters and query count ---------------------------------------------------------


def test_the_space_lists_and_filters_the_people_supported(client, karim, organisation):
    draft = oriented_application(Status.DRAFT, organisation=organisation, by=karim)
    awaiting = oriented_application(Status.AWAITING_CONFIRMATION, organisation=organisation, by=karim)
    offered = oriented_application(Status.SEAT_OFFERED, organisation=organisation, by=karim)
    elsewhere = oriented_application(Status.DRAFT)  # another organisation's
    Application.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() + timezone.timedelta(days=1))
    client.force_login(karim)

    def names(**params):
        page = client.get(reverse("advisers:space"), params)
        return {support.person for support in page.context["rows"]}

    assert names() == {draft.candidate, awaiting.candidate, offered.candidate}
    assert elsewhere.candidate not in names()
    assert names(state="awaiting") == {awaiting.candidate}
    assert names(status="seat_offered") == {offered.candidate}
    assert names(state="nudge") == {offered.candidate}  # its offer expires within three days
    assert names(q=draft.candidate.last_name[:4]) >= {draft.candidate}


@pytest.mark.parametrize("rows", [1, 12])
def test_the_space_query_count_does_not_grow_with_rows(
    client, karim, organisation, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        oriented_application(Status.SUBMITTED, organisation=organisation, by=karim)
    client.force_login(karim)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("advisers:space")).status_code == 200


# --- Members: invitations, joining, leaving, preferences ----------------------------------------


def test_a_colleague_invites_a_new_adviser_who_joins_then_leaves(client, karim, organisation):
    client.force_login(karim)
    client.post(
        reverse("advisers:organisation", args=[organisation.pk]),
        {"email": "lea.martin@francetravail.example.fr", "first_name": "Léa"},
    )
    email = OutgoingEmail.objects.get(kind="adviser_member_invitation")
    assert "Karim Haddad vous invite à rejoindre France Travail Paris 20e Belleville" in email.body_text
    link = path_of(re.search(r"https?://\S+/conseillers/invitation/\S+/", email.body_text).group(0))

    client.logout()
    client.post(link, {"first_name": "Léa", "last_name": "Martin", "password": "une phrase de passe solide 2026"})
    lea = User.objects.get(email="lea.martin@francetravail.example.fr")
    assert AdviserMembership.objects.active().filter(user=lea, organisation=organisation).exists()
    assert client.get(reverse("advisers:space")).status_code == 200

    membership = lea.adviser_memberships.get()
    client.post(reverse("advisers:remove_member", args=[membership.pk]))
    assert client.get(reverse("advisers:space")).status_code == 404
    assert client.get(link).status_code == 410  # the invitation was used


def test_a_signed_in_user_accepts_an_invitation_to_their_address(client, karim, organisation):
    from candidates.advisers import services

    sophie = UserFactory(email="sophie@mission-locale.example.org")
    services.invite_member(organisation, email=sophie.email, invited_by=karim)
    key_url = re.search(r"/conseillers/invitation/\S+/", OutgoingEmail.objects.get().body_text).group(0)
    client.force_login(UserFactory())
    assert client.post(key_url).status_code == 200  # another address: refused, nothing joined
    assert not AdviserMembership.objects.filter(organisation=organisation, user__email=sophie.email).exists()
    client.force_login(sophie)
    client.post(key_url)
    assert AdviserMembership.objects.active().filter(user=sophie, organisation=organisation).exists()


def test_only_colleagues_remove_members(client, karim, organisation):
    stranger = adviser(AdviserOrganisationFactory())
    client.force_login(stranger)
    membership = karim.adviser_memberships.get()
    assert client.post(reverse("advisers:remove_member", args=[membership.pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.left_at is None


def test_preferences_are_saved_per_organisation(client, karim):
    membership = karim.adviser_memberships.get()
    client.force_login(karim)
    client.post(reverse("advisers:preferences"), {f"m{membership.pk}-notify_offers": "on"})
    membership.refresh_from_db()
    assert (membership.notify_offers, membership.notify_status_changes, membership.receives_weekly_digest) == (
        True,
        False,
        False,
    )
