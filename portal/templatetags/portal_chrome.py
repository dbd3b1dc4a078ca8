"""``{% chrome "header" value… %}…{% endchrome %}``: a page's frame (its header, its footer) rendered
once per process and reused, instead of on every request.

Every page carries the same header and footer; rendering them (two dozen translations, links,
the menu by role) cost about a millisecond of each logged-in request. What they show depends on
few things: the language, the page's template (a page may override a block inside), and the
values given to the tag (the visitor's roles, for the menu). Everything inside the tag that differs
from one visitor to the next **must be one of those values**, except two per-request strings that
the tag puts in on each use:

- the CSRF token of the visitor (``{% csrf_token %}`` inside the frame: logout, language switch);
- ``{{ current_path }}``, the page's path with its query string (where the language switch returns).

The frame is rendered with placeholders for those two and stored in the process's memory (a few
dozen entries: languages × page templates × roles); each page then costs a dictionary lookup and
two string replacements. It holds nothing personal: the token and the path are put in per request.
Templates and translations change with a deployment (a new process); ``settings.PORTAL_CHROME_CACHE``
turns it off (it is off with ``DEBUG``, where templates are edited live), and a changed setting in
tests empties it.
"""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

CSRF_PLACEHOLDER = "__portal_chrome_csrf_token__"
PATH_PLACEHOLDER = "__portal_chrome_current_path__"
MAX_ENTRIES = 512
_rendered = {}


def enabled():
    return getattr(settings, "PORTAL_CHROME_CACHE", not settings.DEBUG)


def forget(**_kwargs):
    _rendered.clear()


setting_changed.connect(forget, dispatch_uid="portal-chrome")


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_hashable(item) for item in value)
    return value


class ChromeNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, name, values, nodelist):
        self.name, self.values, self.nodelist = name, values, nodelist

    def render(self, context):
        request = context.get("request")
        token = context.get("csrf_token")
        path = request.get_full_path() if request is not None else ""
        if not enabled() or request is None or token in (None, "", "NOTPROVIDED"):
            with context.push(current_path=path):
                return self.nodelist.render(context)
        root = context.template.name if context.template is not None else None
        key = (
            self.name.resolve(context),
            root,
            get_language(),
            *(_hashable(value.resolve(context)) for value in self.values),
        )
        html = _rendered.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_PLACEHOLDER, current_path=PATH_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            if len(_rendered) >= MAX_ENTRIES:
                _rendered.clear()
            _rendered[key] = html
        return mark_safe(  # noqa: S308 — our own template's output; the two values are escaped here
            html.replace(CSRF_PLACEHOLDER, conditional_escape(str(token))).replace(
                PATH_PLACEHOLDER, conditional_escape(path)
            )
        )


@register.tag
def chrome(parser, token):
    """``{% chrome "name" value… %}…{% endchrome %}`` (see the module)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('{% chrome %} needs a name: {% chrome "header" value… %}')
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
