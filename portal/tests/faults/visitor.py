"""A person in front of the fault suite's gunicorn: cookies, CSRF token, no redirect followed
(the tests look at the 302 itself), every answer's status kept."""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    def __init__(self, base_url):
        assert base_url.startswith("http://127.0.0.1:"), "the fault suite only talks to its own server"
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)
        self.statuses = []

    def log_in_as(self, user):
        """A session for ``user`` (as after a login), written in the shared database."""
        from django.test import Client

        client = Client()
        client.force_login(user)
        self._set_cookie("sessionid", client.cookies["sessionid"].value)
        return self

    def get(self, path):
        return self._open(urllib.request.Request(self.base_url + path))  # noqa: S310 — loopback only

    def post(self, path, data=None, *, form_page=None):
        """POST like a browser: the form's page first (for the CSRF cookie), then the form."""
        self.get(form_page or path)
        fields = {**(data or {}), "csrfmiddlewaretoken": self.cookie("csrftoken")}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")  # noqa: S310 — loopback
        return self._open(request)

    def cookie(self, name):
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=60) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            status, headers, body = error.code, error.headers, error.read()
        self.statuses.append((request.get_method(), request.full_url, status))
        return Answer(status, headers, body.decode("utf-8", "replace"))

    def server_errors(self):
        return [entry for entry in self.statuses if entry[2] >= 500]

    def _set_cookie(self, name, value):
        host = urllib.parse.urlsplit(self.base_url).hostname
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
            )
        )


class Answer:
    def __init__(self, status, headers, text):
        self.status, self.headers, self.text = status, headers, text

    @property
    def location(self):
        return self.headers.get("Location", "")

    def __repr__(self):
        return f"<Answer {self.status} {self.location}>"
