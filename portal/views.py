import uuid

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .accessibility import CHECKED_PAGES
from .forms import ContactForm, PreferencesForm
from .information import get_page, render_markdown
from .models import InformationPage
from .outbox import absolute_url, queue_email


@login_required
def preferences(request):
    """The logged-in user's email preferences (language, reminders, digests)."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Vos préférences sont enregistrées."))
        return redirect("preferences")
    return render(request, "portal/preferences.html", {"form": form})


ROBOTS_DISALLOWED = (
    "/admin/",
    "/comptes/",
    "/compte/",
    "/mon-profil/",
    "/mes-candidatures/",
    "/mes-donnees/",
    "/candidatures/",
    "/documents/",
    "/centre/",
    "/conseillers/",
    "/accord/",
    "/accord-par-code/",
    "/mon-accompagnement/",
    "/espace-partenaire/",
    "/opportunites/",
    "/i18n/",
)


def robots_txt(request):
    """Search engines may index the public catalogue, never the personal or staff spaces."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED), ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def favicon(request):
    # Browsers and crawlers ask for /favicon.ico whatever the page says.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def information_page(request, slug, values=None):
    """An information page in the visitor's language (staff edit them in the admin). ``values``
    fill the ``{name}`` placeholders of the text (the privacy notice's retention periods)."""
    page = get_page(slug)
    if page is None:
        raise Http404
    language = get_language()
    context = {
        "page": page,
        "page_title": page.title(language),
        "body": render_markdown(page.body(language), values),
    }
    if slug == InformationPage.Slug.ACCESSIBILITY:
        context["checked_pages"] = [label for label, _role, _key in CHECKED_PAGES]
    if slug == InformationPage.Slug.HELP:
        return _help_page(request, context)
    return render(request, "portal/information_page.html", context)


def _help_page(request, context):
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.get_full_name(), "email": request.user.email}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="contact"):
            form.add_error(None, _("Vous avez envoyé beaucoup de messages : réessayez dans une heure."))
        else:
            send_contact_message(form.cleaned_data, sender=request.user if request.user.is_authenticated else None)
            messages.success(
                request,
                _("Votre message est envoyé à l'équipe du portail. Nous vous répondrons à %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("help")
    return render(request, "portal/information_page.html", {**context, "form": form})


def send_contact_message(data, *, sender=None):
    """Queue the message to the municipal team's mailbox (settings.CONTACT_EMAIL) in the team's
    language (French); the sender's address is in the text to answer them."""
    return queue_email(
        kind="contact_message",
        to=settings.CONTACT_EMAIL,
        template="contact_message",
        idempotency_key=f"contact:{uuid.uuid4()}",
        language=settings.LANGUAGE_CODE,
        why="contact",
        context={
            "contact": {**data, "topic_label": ContactForm.Topic(data["topic"]).label},
            "sender_account": sender,
            "admin_user_url": absolute_url("admin:portal_user_change", sender.pk) if sender is not None else "",
        },
    )
