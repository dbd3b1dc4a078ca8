"""Email subjects and plain-text bodies are plain text: names holding ', &, < or " come out as
typed (« Développeur d'applications », not « Développeur d&#x27;applications »), while the HTML
part escapes them exactly once. Every email template of the portal is rendered, so a new kind
is covered as soon as it exists."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from candidates.models import ApplicationMessage
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    ApplicationFactory,
    AppointmentFactory,
    SupportFactory,
    candidate,
)
from partners.tests.factories import CommitmentFactory, OpportunityFactory, PartnerCompanyFactory
from portal.outbox import render_email
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

NAME = 'Développeur d\'applications & <web> "mobile"'
PERSON = 'Zoé d\'Arc & <Cie> "Jr"'
ENTITIES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
EMAIL_TEMPLATES = sorted(path.name.removesuffix("_subject.txt") for path in EMAILS.glob("*_subject.txt"))


@pytest.fixture
def context():
    session = SessionFactory(
        name=NAME,
        programme__name=NAME,
        site__name=NAME,
        site__address=NAME,
        site__provider__name=NAME,
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 12, 1),
    )
    user = candidate(user__first_name=PERSON, user__last_name=PERSON)
    application = ApplicationFactory(candidate=user, session=session, seat_offered=True)
    appointment = AppointmentFactory(application=application, place=NAME, what_to_bring=NAME)
    message = ApplicationMessage.objects.create(application=application, visibility="to_candidate", body=NAME)
    company = PartnerCompanyFactory(name=NAME)
    commitment = CommitmentFactory(signature__company=company, session=session)
    commitment.delivered = 0
    commitment.shortfall = commitment.quantity_promised
    opportunity = OpportunityFactory(company=company, title=NAME)
    organisation = AdviserOrganisationFactory(name=NAME)
    seats = {"capacity": 12, "offered": 1, "accepted": 0, "left": 11, "waiting": 0}
    return {
        "application": application,
        "session": session,
        "programme": session.programme,
        "provider": session.site.provider,
        "appointment": appointment,
        "message": message,
        "company": company,
        "commitments": [commitment],
        "opportunity": opportunity,
        "deadline": timezone.now() + datetime.timedelta(days=2),
        "position": 2,
        "reason": NAME,
        "free_seats": 1,
        "waiting": 1,
        "total_new": 1,
        "since": timezone.now(),
        "previous_starts_on": datetime.date(2027, 2, 1),
        "previous_ends_on": datetime.date(2027, 11, 1),
        "programmes": [{"name": NAME, "new": 1, "to_review": 2}],
        "sessions": [{"session": session, "changes": [], "session_changed": True, "seats": seats, "offers_closing": 1}],
        "application_url": "http://testserver/a/",
        "email": "zoe@example.org",
        "activate_url": "http://testserver/comptes/confirm-email/k/",
        "password_reset_url": "http://testserver/comptes/password/reset/key/k/",
        "link_valid_days": 3,
        "reset_link_valid_days": 3,
        "recipient_name": PERSON,
        "sender_name": PERSON,
        "subject_line": NAME,
        "body": NAME,
        "contact": {"name": PERSON, "email": "zoe@example.org", "topic_label": NAME, "message": NAME},
        "candidate": user,
        "profile": user.candidate_profile,
        # Advisers (candidates.advisers.emails).
        "organisation": organisation,
        "support": SupportFactory(organisation=organisation, person=user),
        "person": user,
        "adviser": user,
        "inviter": user,
        "applications": [application],
        "expires_at": timezone.now() + datetime.timedelta(days=14),
        "link_days": 14,
        "consent_url": "http://testserver/accord/t/",
        "accept_url": "http://testserver/conseillers/invitation/k/",
        "adviser_url": "http://testserver/conseillers/candidatures/r/",
        "space_url": "http://testserver/conseillers/",
        "rows": [{"application": application, "person": user, "url": "http://testserver/conseillers/candidatures/r/"}],
    }, user


def test_every_email_template_is_covered():
    assert len(EMAIL_TEMPLATES) >= 20
    assert "application_received" in EMAIL_TEMPLATES


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_names_with_quotes_and_ampersands_stay_plain_in_subject_and_text(context, template, language):
    ctx, user = context
    subject, text, body_html = render_email(template, ctx, language=language, user=user)

    for entity in ENTITIES:
        assert entity not in subject, f"{template}: {subject!r}"
        assert entity not in text, f"{template}: {entity} in the text part"
    if ".name" in (EMAILS / f"{template}_subject.txt").read_text():
        assert NAME in subject or PERSON in subject, f"{template}: {subject!r}"
    # The HTML part escapes once, never twice.
    assert "&amp;#x27;" not in body_html and "&amp;lt;" not in body_html and "&amp;amp;" not in body_html
    if NAME in text:
        assert "&lt;web&gt;" in body_html, f"{template}: the name is missing from the HTML part"
    assert "<web>" not in body_html
