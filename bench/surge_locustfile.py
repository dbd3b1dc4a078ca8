"""Locust users for bench/surge.py (run by it: ``locust -f bench/surge_locustfile.py --headless …``).

Candidates each take one prepared account (BENCH_ACCOUNTS, a JSON file of email, password, session
and profile answers), log in, browse, open their session (its button starts the application), go
through every application step with a real PDF, send, open the application and « Mes candidatures »,
then log out: 18 requests, each
named by its step in Locust's statistics. Each acknowledged send (the redirect to the sent
application) is written to BENCH_RESULTS, one JSON line. When every account is used, the run ends.
Anonymous visitors browse the public pages meanwhile (BENCH_VISITORS users).

Production cookies are Secure and the server sits behind a pretend proxy on plain http: requests
carry ``X-Forwarded-Proto: https`` and each user keeps its cookies itself. Each step's figures are
written to BENCH_STATS when Locust stops.
"""

import contextlib
import http.cookiejar
import json
import os
import random
import re
import time
import uuid
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

ACCOUNTS = json.loads(Path(os.environ["BENCH_ACCOUNTS"]).read_text())
RESULTS = Path(os.environ["BENCH_RESULTS"])
PDF = Path(os.environ["BENCH_PDF"]).read_bytes()
THINK = float(os.environ.get("BENCH_THINK", "0.1"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SENT = re.compile(r"/mes-candidatures/([0-9a-f-]{36})/")

_next_account = iter(ACCOUNTS)
_candidates_running = []


class NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Locust's cookie jar would not send Secure cookies over http: Browser keeps them itself."""

    def set_ok(self, cookie, request):
        return False


class Browser(FastHttpUser):
    """A phone behind the outer proxy: TLS ends there (X-Forwarded-Proto), so the production
    cookies (Secure) travel over plain http on loopback; kept here, as a browser would."""

    abstract = True

    def on_start(self):
        self.client.cookiejar.set_policy(NoCookies())
        self.cookies = {}
        self.headers = {"X-Forwarded-Proto": "https", "Accept-Language": "fr-FR,fr;q=0.9"}

    def _headers(self, **extra):
        headers = {**self.headers, **extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _keep_cookies(self, response):
        for line in response.headers.getlist("set-cookie"):
            pair, _sep, attributes = line.partition(";")
            name, _sep, value = pair.strip().partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, path, name):
        with self.client.get(path, name=name, headers=self._headers(), catch_response=True) as response:
            self._keep_cookies(response)
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}")
                raise StopStep
            return response.text

    def post(self, path, name, data, *, content_type=None):
        """A form POST, expected to answer with a redirect (the next step); returns its Location."""
        headers = self._headers(Referer=f"https://{self.host_header}{path}")
        if content_type:
            headers["Content-Type"] = content_type
        with self.client.post(
            path, name=name, data=data, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            self._keep_cookies(response)
            if response.status_code != 302:
                response.failure(f"{response.status_code} on POST {path}")
                raise StopStep
            return response.headers["Location"]

    @property
    def host_header(self):
        return self.host.split("://", 1)[1].rstrip("/")

    def think(self):
        if THINK:
            gevent.sleep(random.uniform(THINK / 2, THINK * 1.5))  # noqa: S311 — pacing, not security


class StopStep(Exception):
    """A step failed (already counted by Locust): this candidate gives up."""


class Candidate(Browser):
    weight = int(os.environ.get("BENCH_CANDIDATE_USERS", "60"))
    wait_time = between(0, 0)

    def on_start(self):
        super().on_start()
        _candidates_running.append(self)

    @task
    def apply(self):
        account = next(_next_account, None)
        if account is None:
            _candidates_running.remove(self)
            if not _candidates_running:
                gevent.spawn_later(0.5, self.environment.runner.quit)
            raise StopUser
        self.cookies = {}
        # The phone's own address, as the outer proxy reports it (login limits count per address).
        self.headers["X-Forwarded-For"] = account["address"]
        with contextlib.suppress(StopStep):
            self.journey(account)

    def journey(self, account):
        session = f"/sessions/{account['session']}/"
        token = TOKEN.search(self.get("/comptes/login/", "login page")).group(1)
        self.post(
            "/comptes/login/",
            "login",
            {"csrfmiddlewaretoken": token, "login": account["email"], "password": account["password"]},
        )
        self.think()
        self.get("/", "home")
        self.think()
        self.get("/formations/", "catalogue")
        self.think()
        self.get(f"/formations/?open=on&departement={account['departement']}", "filtered catalogue")
        self.think()
        page = self.get(session, "session page")
        self.think()
        # Her profile answers the session's questions: the page says she may apply, and its button
        # starts the application (the start page is for those it has something to tell).
        apply = f"{session}candidater/"
        step = self.post(apply, "apply: start (POST)", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})
        page = self.get(step, "apply: profile")
        self.think()
        # Her profile is complete: the step shows it to be checked, and she confirms it.
        step = self.post(
            step, "apply: profile (POST)", {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "action": "confirm"}
        )
        page = self.get(step, "apply: motivation")
        self.think()
        motivation = "Je veux devenir développeuse web : j'ai appris seule le HTML et je veux en faire mon métier."
        step = self.post(
            step,
            "apply: motivation (POST)",
            {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "motivation": motivation},
        )
        page = self.get(step, "apply: documents")
        self.think()
        body, content_type = multipart(
            {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "kind": "cv", "action": "continue"},
            {"file": ("cv.pdf", "application/pdf", PDF)},
        )
        step = self.post(step, "apply: documents (POST, PDF)", body, content_type=content_type)
        page = self.get(step, "apply: review")
        self.think()
        sent = self.post(step, "apply: send", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})
        match = SENT.search(sent)
        if match is None:
            raise StopStep
        with RESULTS.open("a") as results:
            results.write(
                json.dumps({"email": account["email"], "reference": match.group(1), "at": time.time()}) + "\n"
            )
        page = self.get(sent, "application page")
        self.think()
        page = self.get("/mes-candidatures/", "my applications")
        self.post("/comptes/logout/", "logout", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})


class AnonymousVisitor(Browser):
    weight = int(os.environ.get("BENCH_VISITORS", "20"))
    wait_time = between(0.5, 1.5)

    def on_start(self):
        super().on_start()
        self.headers["X-Forwarded-For"] = f"192.0.2.{random.randrange(1, 255)}"  # noqa: S311

    @task
    def browse(self):
        with contextlib.suppress(StopStep):
            self.get("/", "anonymous: home")
            self.get("/formations/", "anonymous: catalogue")
            session = random.choice(ACCOUNTS)["session"]  # noqa: S311
            self.get(f"/sessions/{session}/", "anonymous: session page")


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@events.quitting.add_listener
def _report(environment, **_kwargs):
    """Each step's figures for bench/surge.py (BENCH_STATS), written as Locust stops."""
    steps = {
        entry.name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "max": entry.max_response_time,
        }
        for entry in environment.stats.entries.values()
    }
    total = environment.stats.total
    Path(os.environ["BENCH_STATS"]).write_text(
        json.dumps({"steps": steps, "requests": total.num_requests, "failures": total.num_failures})
    )
    environment.process_exit_code = 0  # failures are counted by bench/surge.py, not by the exit code
