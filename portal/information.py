"""The information pages (portal.models.InformationPage): Markdown to safe HTML, and the
accessibility conformance shown in every page's footer (cached: it is read on every request)."""

from importlib import import_module

from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from .models import InformationPage

# CommonMark with tables; raw HTML is not allowed (shown as text), and markdown-it refuses
# javascript:, vbscript: and data: links: staff write Markdown, never markup.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

CONFORMANCE_CACHE_KEY = "portal:accessibility-conformance"


def default_pages():
    """The first texts of the pages: those the data migration wrote (one source)."""
    return import_module("portal.migrations.0007_information_pages_content").PAGES


def get_page(slug):
    """The page, created from its first text if it is missing (a database emptied by a test or
    restored without it): the statement, the notices and the help never answer 404."""
    page = InformationPage.objects.filter(slug=slug).first()
    if page is None:
        defaults = next((page for page in default_pages() if page["slug"] == slug), None)
        if defaults is None:
            return None
        page, _created = InformationPage.objects.get_or_create(slug=slug, defaults=defaults)
    return page


def ensure_pages():
    """Every page exists (the admin lists the four of them)."""
    for defaults in default_pages():
        get_page(defaults["slug"])


def render_markdown(text, values=None):
    """``text`` as HTML; ``{name}`` placeholders replaced by ``values`` (others left as typed)."""
    text = text or ""
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return mark_safe(_markdown.render(text))  # noqa: S308 - markdown-it escapes all HTML


def accessibility_conformance():
    """The RGAA conformance the statement declares (« non », « partial », « total »)."""
    value = cache.get(CONFORMANCE_CACHE_KEY)
    if value is None:
        value = (
            InformationPage.objects.filter(slug=InformationPage.Slug.ACCESSIBILITY)
            .values_list("conformance", flat=True)
            .first()
        ) or InformationPage.Conformance.NONE
        cache.set(CONFORMANCE_CACHE_KEY, value, 600)
    return value


@receiver(post_save, sender=InformationPage)
def _forget_conformance(sender, **kwargs):
    cache.delete(CONFORMANCE_CACHE_KEY)
