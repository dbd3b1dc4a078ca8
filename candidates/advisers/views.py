"""The adviser space (« Espace conseiller »), at its own URL, for the current members of an
orienting organisation; and the person's pages: their accord (from the emailed link or the code
sheet) and « Mon accompagnement », where they withdraw an organisation's access.

Every adviser page starts from what the user may follow now (``Support.objects.followed_by``,
``Application.objects.oriented_by_member``): anyone else, a member who left, or an adviser whose
person withdrew the access gets a 404. Every write goes through ``services``, ``consent``,
``attestations`` or the workflow's service."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.models import User

from .. import applying, presentation
from ..forms import DocumentForm, MotivationForm, ProfileForm
from ..models import AdviserMembership, Application, CandidateProfile, CriterionVerification, Support
from ..services import TransitionError
from ..workflow import Status
from . import attestations, consent, services
from .forms import (
    AccordForm,
    AttestationForm,
    CodeForm,
    FilterForm,
    InvitedAccountForm,
    InviteMemberForm,
    PersonForm,
    PreferencesForm,
    StartApplicationForm,
)
from .models import needs_nudge

PAGE_SIZE = 50
# The session key holding the support whose code the person typed (then the accord page).
CODE_SESSION_KEY = "adviser_accord_support"


def adviser_required(view):
    """Current members of an orienting organisation only; anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        memberships = list(AdviserMembership.objects.active().filter(user=request.user).select_related("organisation"))
        if not memberships:
            raise Http404
        request.adviser_memberships = memberships
        request.adviser_organisations = [membership.organisation for membership in memberships]
        return view(request, *args, **kwargs)

    return wrapper


def _followed_support(request, pk):
    return get_object_or_404(
        Support.objects.followed_by(request.user).select_related(
            "organisation", "person__candidate_profile", "referent"
        ),
        pk=pk,
    )


def _oriented_applications(user):
    return Application.objects.oriented_by_member(user).select_related(
        "session__programme", "session__site", "oriented_by", "candidate__candidate_profile"
    )


def _oriented_application(request, reference):
    return get_object_or_404(_oriented_applications(request.user), reference=reference)


def _support_of(application):
    return Support.objects.current().get(organisation=application.oriented_by_id, person=application.candidate_id)


# --- The space: the people the organisation supports ---------------------------------------------


@adviser_required
def space(request):
    """The people the user's organisations support and the applications they prepared with them,
    filterable; a constant number of queries whatever the number of rows (one page at a time)."""
    form = FilterForm(request.GET or None)
    supports = (
        Support.objects.followed_by(request.user)
        .select_related("organisation", "person__candidate_profile", "referent")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    oriented = Application.objects.filter(oriented_by=OuterRef("organisation_id"), candidate=OuterRef("person_id"))
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("q"):
        words = filters["q"].strip()
        supports = supports.filter(
            Q(person__last_name__icontains=words)
            | Q(person__first_name__icontains=words)
            | Q(person__email__icontains=words)
            | Q(person__candidate_profile__phone__icontains=words.replace(" ", ""))
        )
    state = filters.get("state")
    if state == "pending":
        supports = supports.filter(consented_at__isnull=True, created_account=False)
    elif state == "awaiting":
        supports = supports.filter(Exists(oriented.filter(status=Status.AWAITING_CONFIRMATION)))
    elif state == "draft":
        supports = supports.filter(Exists(oriented.filter(status=Status.DRAFT)))
    elif state == "nudge":
        supports = supports.filter(Exists(oriented.filter(needs_nudge())))
    if filters.get("status"):
        supports = supports.filter(Exists(oriented.filter(status=filters["status"])))
    if filters.get("mine"):
        supports = supports.filter(referent=request.user)
    page = Paginator(supports, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    applications = {}
    visible = [support for support in rows if support.shows_profile]
    if visible:
        for application in (
            Application.objects.filter(
                oriented_by__in={support.organisation_id for support in visible},
                candidate__in={support.person_id for support in visible},
            )
            .select_related("session__site")
            .order_by("-updated_at", "pk")
        ):
            applications.setdefault((application.oriented_by_id, application.candidate_id), []).append(application)
    for support in rows:
        support.oriented_applications = applications.get((support.organisation_id, support.person_id), [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "advisers/space.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "memberships": request.adviser_memberships,
        },
    )


@adviser_required
def person_new(request):
    """Find a person (by email, else phone) or register them, and start supporting them."""
    organisations = request.adviser_organisations
    form = PersonForm(request.POST or None)
    organisation = organisations[0]
    if len(organisations) > 1:
        chosen = request.POST.get("organisation") or request.GET.get("organisation")
        organisation = next((o for o in organisations if str(o.pk) == chosen), organisations[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            support, existing = services.support_person(
                organisation,
                adviser=request.user,
                email=data["email"],
                phone=data["phone"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if existing and not support.shows_profile:
                if support.person.has_email:
                    messages.info(
                        request,
                        _(
                            "Cette personne a déjà un compte : nous lui avons demandé par e-mail son accord pour "
                            "que vous l'accompagniez. Vous verrez son dossier dès qu'elle l'aura donné."
                        ),
                    )
                else:
                    messages.info(
                        request,
                        _("Cette personne a déjà un compte : imprimez-lui une fiche pour qu'elle donne son accord."),
                    )
            else:
                messages.success(request, _("La personne est ajoutée : complétez son profil avec elle."))
            return redirect("advisers:person", pk=support.pk)
    return render(
        request,
        "advisers/person_new.html",
        {"form": form, "organisations": organisations, "organisation": organisation},
    )


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@adviser_required
def person(request, pk):
    support = _followed_support(request, pk)
    person = support.person
    applications = []
    attested = []
    if support.shows_profile:
        applications = list(
            _oriented_applications(request.user)
            .filter(oriented_by=support.organisation_id, candidate=person)
            .order_by("-updated_at", "pk")
        )
        attested = list(
            CriterionVerification.objects.attestations()
            .filter(person=person, organisation=support.organisation_id)
            .select_related("verified_by")
            .order_by("-created_at", "pk")
        )
    profile = getattr(person, "candidate_profile", None)
    return render(
        request,
        "advisers/person.html",
        {
            "support": support,
            "person": person,
            "profile_rows": presentation.profile_summary(person, profile) if support.shows_profile and profile else [],
            "applications": applications,
            "attestations": attested,
            "now": timezone.now(),
            "start_form": StartApplicationForm(),
            "attestation_form": AttestationForm() if attestations.can_attest(request.user, support) else None,
            "organisation_not_habilitated": not support.organisation.is_habilitated,
        },
    )


@adviser_required
def person_profile(request, pk):
    """The adviser fills the person's profile with them (the candidate's own form)."""
    support = _followed_support(request, pk)
    if not support.shows_profile:
        raise Http404
    profile, _created = CandidateProfile.objects.get_or_create(user=support.person)
    form = ProfileForm(request.POST or None, instance=profile, user=support.person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Le profil est enregistré."))
        return _back(request, reverse("advisers:person", args=[support.pk]))
    return render(request, "advisers/person_profile.html", {"support": support, "form": form})


def _back(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@adviser_required
@require_POST
def start_application(request, pk):
    support = _followed_support(request, pk)
    form = StartApplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une session ouverte aux candidatures."))
        return redirect("advisers:person", pk=support.pk)
    try:
        application, created = services.start_application(support, form.cleaned_data["session"], adviser=request.user)
    except applying.ApplicationRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("advisers:person", pk=support.pk)
    if not created:
        messages.info(request, _("Une candidature à cette session existe déjà : la voici."))
    return redirect("advisers:application", reference=application.reference)


@adviser_required
@require_POST
def attest(request, pk):
    support = _followed_support(request, pk)
    form = AttestationForm(request.POST)
    if form.is_valid():
        try:
            attestations.attest(
                support,
                criteria=form.cleaned_data["criteria"],
                comment=form.cleaned_data["comment"],
                adviser=request.user,
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Votre attestation est enregistrée : les candidatures de la personne sont vérifiées à nouveau."),
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("advisers:person", pk=support.pk)


@adviser_required
@require_POST
def take_over(request, pk):
    support = _followed_support(request, pk)
    services.take_over(support, adviser=request.user)
    messages.success(request, _("Vous êtes maintenant le ou la référent(e) de cette personne."))
    return redirect("advisers:person", pk=support.pk)


@never_cache
@adviser_required
@require_POST
def code_sheet(request, pk):
    """A printable sheet with a new code, for a person without email (or who prefers paper)."""
    support = _followed_support(request, pk)
    profile = getattr(support.person, "candidate_profile", None)
    if profile is None or not profile.phone:
        messages.error(request, _("Indiquez d'abord le téléphone de la personne dans son profil : le code va avec."))
        return redirect("advisers:person", pk=support.pk)
    code = consent.print_code_sheet(support, adviser=request.user)
    awaiting = _oriented_applications(request.user).filter(
        oriented_by=support.organisation_id, candidate=support.person_id, status=Status.AWAITING_CONFIRMATION
    )
    return render(
        request,
        "advisers/code_sheet.html",
        {
            "support": support,
            "code": code,
            "phone": profile.phone,
            "code_url": settings.SITE_URL + reverse("advisers:code"),
            "applications": awaiting,
            "expires_at": support.code_expires_at,
        },
    )


# --- Preparing an application with the person ------------------------------------------------------


@adviser_required
def application(request, reference):
    """One application the organisation prepares with the person: motivation and documents while
    it is a draft, then « Envoyer à la personne pour accord »; afterwards, where it stands."""
    application = _oriented_application(request, reference)
    support = _support_of(application)
    is_draft = application.status == Status.DRAFT
    motivation_form = MotivationForm(initial={"motivation": application.motivation})
    document_form = DocumentForm()
    if request.method == "POST":
        part = request.POST.get("part")
        if part == "return_to_draft" and application.status == Status.AWAITING_CONFIRMATION:
            try:
                services.return_to_draft(application, actor=request.user)
            except TransitionError as error:
                messages.error(request, str(error))
            return redirect("advisers:application", reference=application.reference)
        if not is_draft:
            messages.info(request, _("Cette candidature n'est plus en préparation."))
            return redirect("advisers:application", reference=application.reference)
        if part == "motivation":
            motivation_form = MotivationForm(request.POST)
            if motivation_form.is_valid():
                applying.save_step(application, "motivation", motivation=motivation_form.cleaned_data["motivation"])
                messages.success(request, _("La motivation est enregistrée."))
                return redirect("advisers:application", reference=application.reference)
        elif part == "document":
            document_form = DocumentForm(request.POST, request.FILES)
            if document_form.is_valid():
                document = applying.add_document(
                    application,
                    kind=document_form.cleaned_data["kind"],
                    upload=document_form.cleaned_data["file"],
                    clean=document_form.clean_document,
                )
                applying.save_step(application, "documents")
                messages.success(request, _("Document ajouté : %(name)s.") % {"name": document.original_name})
                return redirect("advisers:application", reference=application.reference)
        elif part == "delete_document":
            document = get_object_or_404(application.documents, pk=request.POST.get("document"))
            applying.delete_document(document)
            messages.success(request, _("Document supprimé."))
            return redirect("advisers:application", reference=application.reference)
        elif part == "send":
            try:
                services.request_confirmation(application, adviser=request.user)
            except (TransitionError, applying.ApplicationRefused) as error:
                messages.error(request, str(error))
            else:
                if application.candidate.has_email:
                    messages.success(
                        request,
                        _(
                            "La candidature est envoyée à la personne : elle la confirmera depuis l'e-mail reçu. "
                            "Rien n'est transmis avant son accord."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _("La candidature attend l'accord de la personne : imprimez-lui sa fiche avec un code."),
                    )
            return redirect("advisers:application", reference=application.reference)
    documents = list(application.documents.all())
    events = list(application.events.select_related("actor").order_by("created_at", "pk"))
    return render(
        request,
        "advisers/application.html",
        {
            "application": application,
            "support": support,
            "session": application.session,
            "is_draft": is_draft,
            "motivation_form": motivation_form,
            "document_form": document_form,
            "documents": documents,
            "missing": applying.missing_parts(application) if is_draft else [],
            "events": events,
            "max_size": settings.MAX_UPLOAD_SIZE,
        },
    )


# --- Organisations: members, invitations, preferences -----------------------------------------


@adviser_required
def organisation(request, pk):
    organisation = next((o for o in request.adviser_organisations if o.pk == pk), None)
    if organisation is None:
        raise Http404
    form = InviteMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(
                organisation,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                invited_by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("L'invitation est envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("advisers:organisation", pk=organisation.pk)
    members = organisation.memberships.active().select_related("user").order_by("user__last_name", "pk")
    pending = organisation.invitations.filter(
        accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")
    return render(
        request,
        "advisers/organisation.html",
        {"organisation": organisation, "members": members, "invitations": pending, "form": form},
    )


@adviser_required
@require_POST
def remove_member(request, pk):
    """A colleague removes a member, or a member leaves (then they lose the space at once)."""
    organisations = [o.pk for o in request.adviser_organisations]
    membership = get_object_or_404(
        AdviserMembership.objects.active().select_related("user", "organisation"),
        pk=pk,
        organisation__in=organisations,
    )
    services.remove_member(membership, actor=request.user)
    if membership.user_id == request.user.pk:
        messages.success(
            request, _("Vous avez quitté %(organisation)s.") % {"organisation": membership.organisation.name}
        )
        return redirect("home")
    messages.success(
        request,
        _("%(name)s ne fait plus partie de l'organisation.") % {"name": membership.user.get_full_name()},
    )
    return redirect("advisers:organisation", pk=membership.organisation_id)


@adviser_required
def preferences(request):
    forms = [
        PreferencesForm(request.POST or None, instance=membership, prefix=f"m{membership.pk}")
        for membership in request.adviser_memberships
    ]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        for form in forms:
            services.update_preferences(form.instance, **form.cleaned_data)
        messages.success(request, _("Vos préférences sont enregistrées."))
        return redirect("advisers:preferences")
    return render(request, "advisers/preferences.html", {"forms": forms})


@never_cache
def accept_invitation(request, key):
    """Join an organisation from an invitation: signed in with the invited address, one click;
    without an account, create it here (the link proves the address)."""
    try:
        invitation = services.pending_invitation(key)
    except services.InvitationInvalid as error:
        return render(request, "advisers/invitation.html", {"invalid": str(error)}, status=410)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    account_form = None
    if not request.user.is_authenticated and not has_account:
        account_form = InvitedAccountForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and account_form.is_valid():
            try:
                user = services.create_invited_account(
                    key,
                    first_name=account_form.cleaned_data["first_name"],
                    last_name=account_form.cleaned_data["last_name"],
                    password=account_form.cleaned_data["password"],
                )
            except services.InvitationInvalid as error:
                messages.error(request, str(error))
            else:
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(
                    request,
                    _("Bienvenue dans l'espace conseiller de %(organisation)s.")
                    % {"organisation": invitation.organisation.name},
                )
                return redirect("advisers:space")
    elif request.method == "POST" and request.user.is_authenticated:
        try:
            services.accept_invitation(key, user=request.user)
        except services.InvitationInvalid as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Vous avez rejoint %(organisation)s.") % {"organisation": invitation.organisation.name},
            )
            return redirect("advisers:space")
    return render(
        request,
        "advisers/invitation.html",
        {
            "invitation": invitation,
            "account_form": account_form,
            "has_account": has_account,
            "login_url": reverse("account_login") + "?next=" + request.path,
        },
    )


# --- The person: accord, code sheet, « Mon accompagnement » ------------------------------------


def _awaiting(support):
    return Application.objects.filter(
        oriented_by=support.organisation_id, candidate=support.person_id, status=Status.AWAITING_CONFIRMATION
    ).select_related("session__site", "session__programme")


@never_cache
def accord(request, token):
    """The link emailed to the person: they agree to be supported, and claim the account the
    organisation opened for them (a password); a person who has an account signs in first."""
    try:
        support = consent.support_from_token(token)
    except consent.AccordInvalid as error:
        return render(request, "advisers/accord.html", {"invalid": str(error)}, status=410)
    person = support.person
    if not consent.needs_password(person) and request.user != person:
        if request.user.is_authenticated:
            raise Http404  # someone else's link
        return redirect(f"{reverse('account_login')}?next={request.path}")
    return _accord_page(request, support, proved_email=True)


def _accord_page(request, support, *, proved_email):
    person = support.person
    form = AccordForm(
        request.POST or None,
        person=person,
        needs_password=consent.needs_password(person),
        asks_email=not person.has_email,
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent.give_accord(
                support,
                person=person,
                password=form.cleaned_data.get("password", ""),
                email=form.cleaned_data.get("email", ""),
                proved_email=proved_email,
            )
        except ValidationError as error:
            _add_errors(form, error)
        except consent.AccordInvalid as error:
            return render(request, "advisers/accord.html", {"invalid": str(error)}, status=410)
        else:
            request.session.pop(CODE_SESSION_KEY, None)
            if request.user != person:
                login(request, person, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request,
                _(
                    "Merci, votre accord est enregistré. Vérifiez chaque candidature préparée avec vous, "
                    "puis confirmez-la pour l'envoyer."
                ),
            )
            return redirect("candidates:application_list")
    return render(
        request,
        "advisers/accord.html",
        {"support": support, "form": form, "applications": _awaiting(support), "person": person},
    )


@never_cache
def code(request):
    """A person without email types the code of their sheet, then gives their accord."""
    support_id = request.session.get(CODE_SESSION_KEY)
    if support_id is not None and request.method == "POST" and "agree" in request.POST:
        support = Support.objects.current().select_related("organisation", "person").filter(pk=support_id).first()
        if support is None:
            request.session.pop(CODE_SESSION_KEY, None)
            return redirect("advisers:code")
        return _accord_page(request, support, proved_email=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support = consent.support_from_code(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        except consent.AccordInvalid as error:
            form.add_error("code", str(error))
        else:
            request.session[CODE_SESSION_KEY] = support.pk
            person = support.person
            accord_form = AccordForm(
                person=person, needs_password=consent.needs_password(person), asks_email=not person.has_email
            )
            return render(
                request,
                "advisers/accord.html",
                {
                    "support": support,
                    "form": accord_form,
                    "applications": _awaiting(support),
                    "person": person,
                    "action": reverse("advisers:code"),
                },
            )
    return render(request, "advisers/code.html", {"form": form})


@login_required
def my_supports(request):
    """« Mon accompagnement »: the organisations that support the person; withdraw any of them."""
    supports = list(
        Support.objects.current()
        .filter(person=request.user)
        .select_related("organisation", "referent")
        .order_by("-created_at", "pk")
    )
    return render(request, "advisers/my_supports.html", {"supports": supports})


@login_required
@require_POST
def withdraw(request, pk):
    support = get_object_or_404(Support.objects.current().select_related("organisation"), pk=pk, person=request.user)
    consent.withdraw(support, person=request.user)
    messages.success(
        request,
        _("%(organisation)s n'a plus accès à votre dossier ni à vos candidatures.")
        % {"organisation": support.organisation.name},
    )
    return redirect("advisers:my_supports")


@login_required
@require_POST
def give_accord_signed_in(request, pk):
    """A signed-in person agrees, from « Mon accompagnement », to an organisation's request."""
    support = get_object_or_404(Support.objects.current(), pk=pk, person=request.user)
    consent.give_accord(support, person=request.user)
    messages.success(request, _("Merci, votre accord est enregistré."))
    return redirect("advisers:my_supports")
