"""An orienting organisation's acts: its members (invitations, leaving), the people it supports
(found or registered by an adviser) and the applications its advisers prepare with them.

Every write of these records is here (habilitation and attestations: ``attestations``; the
person's accord: ``consent``). An application prepared by an adviser is a draft like any other
(``candidates.applying``), with the organisation and the adviser recorded on it; sending it to the
person for their accord is the workflow's ``request_confirmation``, by the adviser, through
``candidates.services.transition``."""

import datetime
import uuid

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from .. import applying, phones
from ..models import (
    AdviserInvitation,
    AdviserMembership,
    Application,
    CandidateProfile,
    Support,
)
from ..services import TransitionAlreadyDone, TransitionNotAllowed, transition
from ..workflow import Actor, Status
from . import emails, links


class InvitationInvalid(Exception):
    """The invitation cannot be used (unknown, expired, cancelled, used, or for another address)."""


# --- Who may do what -------------------------------------------------------------------------


def membership_of(user, organisation):
    """``user``'s current membership of ``organisation`` (None if they are not a member now)."""
    if not user.is_authenticated:
        return None
    return AdviserMembership.objects.active().filter(user=user, organisation=organisation).first()


def check_member(user, organisation):
    if membership_of(user, organisation) is None:
        raise PermissionDenied(_("Vous ne faites pas partie de cette organisation."))


def can_manage_members(user, organisation):
    """Colleagues (current members) and municipal staff invite and remove members."""
    return user.is_authenticated and (user.is_municipal_staff or membership_of(user, organisation) is not None)


# --- Members ---------------------------------------------------------------------------------


def invite_member(organisation, *, email, first_name="", last_name="", invited_by):
    """Invite ``email`` to join ``organisation`` (by a colleague or municipal staff): the
    invitation is emailed with a link valid ``ADVISER_INVITATION_DAYS`` days. Inviting again the
    same address renews the pending invitation (a new link; the old one stops working)."""
    if not can_manage_members(invited_by, organisation):
        raise PermissionDenied(_("Seuls les membres de l'organisation et l'équipe municipale peuvent inviter."))
    email = User.objects.normalize_email(email).strip().lower()
    if AdviserMembership.objects.active().filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("Cette personne fait déjà partie de l'organisation.")})
    key = links.new_key()
    now = timezone.now()
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "key_digest": links.key_digest(key),
        "invited_by": invited_by,
        "created_at": now,
        "expires_at": now + datetime.timedelta(days=settings.ADVISER_INVITATION_DAYS),
    }
    with transaction.atomic():
        invitation = (
            AdviserInvitation.objects.select_for_update()
            .filter(organisation=organisation, email__iexact=email, accepted_at__isnull=True, cancelled_at__isnull=True)
            .first()
        )
        if invitation is None:
            invitation = AdviserInvitation.objects.create(organisation=organisation, email=email, **values)
        else:
            for name, value in values.items():
                setattr(invitation, name, value)
            invitation.save(update_fields=list(values))
        emails.queue_member_invitation(invitation, key=key)
    return invitation


def pending_invitation(key):
    """The invitation a link's key names, if it may still be accepted."""
    invitation = (
        AdviserInvitation.objects.select_related("organisation", "invited_by")
        .filter(key_digest=links.key_digest(key))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        raise InvitationInvalid(
            _("Cette invitation n'est plus valable : demandez à votre collègue de vous en renvoyer une.")
        )
    return invitation


def accept_invitation(key, *, user):
    """``user`` (signed in with the invited address) joins the organisation. Returns the membership;
    a second click finds it and returns it."""
    with transaction.atomic():
        invitation = pending_invitation(key)
        AdviserInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if user.email.lower() != invitation.email.lower():
            raise InvitationInvalid(
                _("Cette invitation est adressée à %(email)s : connectez-vous avec cette adresse.")
                % {"email": invitation.email}
            )
        membership = membership_of(user, invitation.organisation)
        if membership is None:
            membership = AdviserMembership.objects.create(
                organisation=invitation.organisation, user=user, invited_by=invitation.invited_by
            )
        AdviserInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    return membership


def create_invited_account(key, *, first_name, last_name, password):
    """A new adviser's account, from their invitation: the link proves the address, so it is
    verified at once; then they join (``accept_invitation``)."""
    invitation = pending_invitation(key)
    with transaction.atomic():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationInvalid(_("Un compte existe déjà avec cette adresse : connectez-vous pour accepter."))
        user = User.objects.create_user(
            email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        accept_invitation(key, user=user)
    return user


def remove_member(membership, *, actor):
    """End a membership: the member leaves, or a colleague or municipal staff removes them. They
    lose access at once; the people they followed stay with the organisation, without a referent
    until a colleague takes them over."""
    is_self = actor.pk == membership.user_id
    if not (is_self or can_manage_members(actor, membership.organisation)):
        raise PermissionDenied(_("Vous ne pouvez pas retirer ce membre."))
    with transaction.atomic():
        locked = (
            AdviserMembership.objects.select_for_update(of=("self",))
            .filter(pk=membership.pk, left_at__isnull=True)
            .order_by()
            .first()
        )
        if locked is not None:
            # A save, not an update: the menu's cached roles are forgotten on it (partners.apps).
            locked.left_at, locked.removed_by = timezone.now(), None if is_self else actor
            locked.save(update_fields=["left_at", "removed_by"])
            Support.objects.filter(organisation=membership.organisation, referent=membership.user).update(referent=None)
    membership.refresh_from_db()
    return membership


def update_preferences(membership, **preferences):
    fields = ["notify_status_changes", "notify_invitations", "notify_offers", "receives_weekly_digest"]
    for name in fields:
        setattr(membership, name, bool(preferences.get(name)))
    membership.save(update_fields=fields)
    return membership


# --- The people an organisation supports -----------------------------------------------------


def placeholder_email():
    """A unique address on a reserved domain for a person without email (nothing is sent there)."""
    return f"sans-email-{uuid.uuid4().hex[:16]}@{settings.NO_EMAIL_DOMAIN}"


def find_person(*, email="", phone=""):
    """The account of a person by email, else by phone (only if exactly one profile has it)."""
    if email:
        return User.objects.filter(email__iexact=email.strip()).first()
    canonical = phones.normalize(phone) if phone else ""
    if canonical:
        profiles = list(CandidateProfile.objects.filter(phone=canonical).select_related("user")[:2])
        if len(profiles) == 1:
            return profiles[0].user
    return None


def support_person(organisation, *, adviser, email="", phone="", first_name="", last_name=""):
    """Start supporting a person, found by email or phone, or registered now. Returns
    ``(support, existing_account)``.

    A new person's account is created by the organisation (no password: they claim it when they
    give their accord, from the email or with the code sheet); the adviser fills their profile with
    them. A person who already has an account is asked for their accord first: until then the
    organisation sees nothing of it."""
    check_member(adviser, organisation)
    email = User.objects.normalize_email(email).strip().lower() if email else ""
    canonical_phone = phones.normalize(phone) if phone else ""
    if phone and not canonical_phone:
        raise ValidationError({"phone": _("Ce numéro de téléphone n'est pas valide.")})
    with transaction.atomic():
        person = find_person(email=email, phone=phone)
        if person is not None and (person.is_staff or person.is_superuser or person.pk == adviser.pk):
            raise ValidationError({"email": _("Ce compte ne peut pas être accompagné depuis l'espace conseiller.")})
        existing_account = person is not None
        if person is None:
            if not (first_name.strip() and last_name.strip()):
                raise ValidationError({"first_name": _("Indiquez le prénom et le nom de la personne.")})
            person = User.objects.create_user(
                email=email or placeholder_email(), first_name=first_name.strip(), last_name=last_name.strip()
            )
            person.set_unusable_password()
            person.save(update_fields=["password"])
            if email:
                EmailAddress.objects.create(user=person, email=email, verified=False, primary=True)
            CandidateProfile.objects.create(user=person, phone=canonical_phone)
        support = Support.objects.current().filter(organisation=organisation, person=person).first()
        if support is None:
            try:
                with transaction.atomic():
                    support = Support.objects.create(
                        organisation=organisation,
                        person=person,
                        referent=adviser,
                        created_by=adviser,
                        created_account=not existing_account,
                    )
            except IntegrityError:  # a colleague started supporting them at the same moment
                support = Support.objects.current().get(organisation=organisation, person=person)
            if existing_account:
                emails.queue_accord_request(support, adviser=adviser)
    return support, existing_account


def take_over(support, *, adviser):
    """A colleague becomes the person's referent (the emails about them go to the referent)."""
    check_member(adviser, support.organisation)
    Support.objects.filter(pk=support.pk).update(referent=adviser)
    support.referent = adviser
    return support


def start_application(support, session, *, adviser):
    """A draft application of the supported person to ``session``, prepared by ``adviser``.
    Returns ``(application, created)``; the person's own application to this session, if any, is
    theirs: the adviser cannot take it over (ApplicationRefused)."""
    check_member(adviser, support.organisation)
    if not support.shows_profile:
        raise applying.ApplicationRefused(
            _("La personne n'a pas encore donné son accord : vous pourrez préparer ses candidatures ensuite.")
        )
    application, created = applying.start_application(
        support.person, session, oriented_by=support.organisation, prepared_by=adviser
    )
    if not created and application.oriented_by_id != support.organisation_id:
        raise applying.ApplicationRefused(
            _("La personne a déjà une candidature à cette session, qu'elle suit elle-même.")
        )
    return application, created


def request_confirmation(application, *, adviser):
    """Send the prepared application to the person for their accord: the same checks as a
    submission (window, limit of active applications, a complete file), then the workflow's
    ``request_confirmation`` by the adviser, and the email with the link (or, without email,
    the adviser prints the code sheet). Nothing is screened or sent to a centre before the person
    confirms."""
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).filter(pk=application.candidate_id).first()
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("session__programme", "candidate__candidate_profile", "oriented_by")
            .get(pk=application.pk)
        )
        if locked.status != Status.DRAFT:
            raise TransitionAlreadyDone(_("Cette candidature a déjà été envoyée à la personne."))
        applying.check_window(locked.session)
        applying.check_active_limit(locked.candidate, locked.session, exclude=locked)
        missing = applying.missing_parts(locked)
        if missing:
            raise applying.ApplicationRefused(" ".join(str(message) for _step, message in missing))
        try:
            result = transition(locked, "request_confirmation", actor=adviser, actor_role=Actor.ADVISER)
        except TransitionNotAllowed as error:
            raise applying.ApplicationRefused(str(error)) from error
        support = Support.objects.current().get(organisation=locked.oriented_by_id, person=locked.candidate_id)
        emails.queue_accord_request(support, applications=[locked], adviser=adviser)
    application.refresh_from_db()
    return result


def return_to_draft(application, *, actor):
    """Back to preparation (the adviser corrects it, or the person asked for a change)."""
    return transition(application, "return_to_draft", actor=actor)
