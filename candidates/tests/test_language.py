"""French by default, English on request: every candidate page renders in both."""

import pytest
from django.conf import settings
from django.urls import reverse

from candidates.tests.factories import application_in, candidate
from candidates.workflow import Status
from programmes.tests.factories import EligibilityRuleSetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fr", "en"])
def test_candidate_pages_render_in_each_language(client, open_session, language):
    EligibilityRuleSetFactory(programme=open_session.programme, min_age=18)
    user = candidate()
    application = application_in(Status.SUBMITTED, candidate=user, session=open_session)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    public = [
        reverse("programmes:catalogue") + "?q=web&open=on",
        reverse("programmes:programme_list"),
        open_session.get_absolute_url(),
        reverse("account_signup"),
        reverse("account_login"),
        reverse("candidates:privacy"),
    ]
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode(), url

    client.force_login(user)
    for url in [
        reverse("candidates:profile"),
        reverse("candidates:application_list"),
        reverse("candidates:application_detail", args=[application.reference]),
        reverse("candidates:my_data"),
        reverse("account_email"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode(), url
