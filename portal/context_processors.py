from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    return {
        "SITE_URL": settings.SITE_URL,
        # « Accessibilité : non conforme » in every footer, as the statement declares it (read lazily,
        # from the cache: pages that never render the footer pay nothing).
        "accessibility_conformance_label": SimpleLazyObject(_conformance_label),
    }


def _conformance_label():
    from .information import accessibility_conformance
    from .models import InformationPage

    return str(InformationPage.Conformance(accessibility_conformance()).label)
