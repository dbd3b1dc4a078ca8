"""Opening day: candidates applying at once through the whole stack, anonymous visitors browsing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/surge.py [--nodes 2]

The database named by DATABASE_URL is created if missing, then WIPED and filled with
``load_demo --candidates 20000`` (BENCH_BACKGROUND) and BENCH_ACCOUNTS (600) verified candidate
accounts with complete profiles, each eligible to the open session it will apply to; the Redis
database is flushed. The bench starts, on free loopback ports: an SMTP sink (aiosmtpd), gunicorn
(``DJANGO_DEBUG=0``, 2 sync workers, BENCH_WORKERS) and a Celery worker (queues default, screening,
mail; 2 processes, BENCH_CELERY_CONCURRENCY). With ``--nodes 2``: two gunicorn instances and two
Celery workers, Debian's nginx in front of the gunicorns and Debian's PgBouncer (transaction
pooling) between every process and PostgreSQL; both packages are installed if missing.

Locust (headless, bench/surge_locustfile.py) runs BENCH_CANDIDATE_USERS (60) candidates at once,
each taking the next account until none is left: login, home, catalogue, a filtered catalogue, the
session, every application step with a real PDF, send, the application, « Mes candidatures »,
logout (19 requests), and BENCH_VISITORS (20) anonymous visitors browsing meanwhile. The load
generator stands for the outer proxy (TLS ends there): it sends X-Forwarded-Proto and each phone's
address in X-Forwarded-For (DJANGO_TRUSTED_PROXY_COUNT=1, or 2 behind nginx).

After Locust stops, the bench waits for the queues to drain (screening, emails), then checks the
database and the sink: every send the client saw acknowledged must be exactly one application,
screened, whose emails (receipt and screening outcome) were sent once. Last line:
``surge: <S> applications/s, p95 <X> ms (worst step <name>), failures <F>, lost <L>, duplicated <D>``
where S counts acknowledged sends per second of the candidates' run, X is the worst step's 95th
percentile (every step of the candidates' journey, login included), F the failed requests, L the
acknowledged sends missing, not screened or not emailed, D the extra applications or emails.
"""

import argparse
import collections
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

BACKGROUND = int(os.environ.get("BENCH_BACKGROUND", "20000"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "600"))
CANDIDATE_USERS = int(os.environ.get("BENCH_CANDIDATE_USERS", "60"))
VISITORS = int(os.environ.get("BENCH_VISITORS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CELERY_CONCURRENCY = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "2"))
RUN_SECONDS = int(os.environ.get("BENCH_RUN_SECONDS", "300"))
DRAIN_SECONDS = int(os.environ.get("BENCH_DRAIN_SECONDS", "180"))
PASSWORD = "surge-motdepasse-2026"
VAR = common.ROOT / "var"
TIME_LIMIT_SECONDS = 1200
# Addresses reserved for documentation (RFC 5737): header values only, no traffic goes there.
DOCUMENTATION_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")


def eligible_open_sessions(answers):
    from programmes import eligibility
    from programmes.models import EligibilityRuleSet, Session

    sessions = list(Session.objects.open_for_applications().select_related("programme", "site"))
    rule_sets = {s.pk: EligibilityRuleSet.objects.current_for(s) for s in sessions}
    return [
        session
        for session in sessions
        if rule_sets[session.pk] is not None
        and eligibility.evaluate(
            eligibility.Rules.from_rule_set(rule_sets[session.pk]), answers, session_start=session.starts_on
        ).outcome
        == eligibility.ELIGIBLE
    ]


def profile_form_data(profile):
    """What the profile step's form posts for this profile (as a browser would send it back)."""
    from candidates.forms import ProfileForm

    form = ProfileForm(instance=profile, user=profile.user)
    data = {}
    for field in form:
        value = field.field.widget.format_value(field.value())
        if isinstance(value, list):
            value = value[0] if value else ""
        data[field.html_name] = "" if value is None else str(value)
    assert ProfileForm(data, instance=profile, user=profile.user).is_valid(), "the profile form refuses its own data"
    return data


def make_accounts(count, *, prefix="surge"):
    """``count`` verified candidates (one password hash for all), complete profiles; each gets an
    open session that their answers make them eligible to. Emails start with ``prefix``."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from candidates.models import CandidateProfile
    from portal.models import User
    from programmes import eligibility

    now = timezone.now()
    template = {
        "birth_date": datetime.date(1998, 5, 17),
        "gender": CandidateProfile.Gender.WOMAN,
        "postcode": "93500",
        "commune": "Pantin",
        "lives_in_qpv": True,
        "is_job_seeker": True,
        "job_seeker_since": datetime.date(2024, 9, 1),
        "qualification_level": 4,
        "receives_rsa": False,
        "has_rqth": False,
        "phone": "06 12 34 56 78",
    }
    sessions = eligible_open_sessions(eligibility.Answers(**{k: template[k] for k in eligibility.Answers.FIELDS}))
    assert sessions, "no open session these profiles are eligible to"
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@candidats.example.org", first_name="Inès", last_name=f"Surge{n}", password=password)
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    profiles = CandidateProfile.objects.bulk_create(
        CandidateProfile(user=user, privacy_consent_at=now, **template) for user in users
    )
    form_data = profile_form_data(profiles[0])
    addresses = [f"{net}.{host}" for net in DOCUMENTATION_NETWORKS for host in range(1, 255)]
    return [
        {
            "email": user.email,
            "password": PASSWORD,
            "session": sessions[n % len(sessions)].pk,
            "departement": sessions[n % len(sessions)].site.departement,
            "address": addresses[n % len(addresses)],
            "profile": {**form_data, "last_name": user.last_name},
        }
        for n, user in enumerate(users)
    ], sessions


def sample_pdf():
    """A real one-page PDF (a CV), about 60 KB as a scanned-and-compressed CV would be."""
    import zlib

    text = "BT /F1 14 Tf 72 760 Td (Ines Surge - CV - developpeuse web junior) Tj ET"
    stream = zlib.compress((text + "\n" + "q 0.9 g 72 72 468 600 re f Q\n" * 4000).encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    padding = os.urandom(60_000)  # incompressible, as scans are; in a stream of its own
    objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def run_locust(host, accounts_path, results_path, pdf_path):
    stats_path = VAR / "bench-surge-stats.json"
    stats_path.unlink(missing_ok=True)
    env = {
        "BENCH_STATS": str(stats_path),
        **os.environ,
        "BENCH_ACCOUNTS": str(accounts_path),
        "BENCH_RESULTS": str(results_path),
        "BENCH_PDF": str(pdf_path),
        "BENCH_CANDIDATE_USERS": str(CANDIDATE_USERS),
        "BENCH_VISITORS": str(VISITORS),
    }
    locust = Path(sys.executable).with_name("locust")
    command = [
        str(locust),
        "-f",
        str(common.ROOT / "bench" / "surge_locustfile.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(CANDIDATE_USERS + VISITORS),
        "--spawn-rate",
        str(CANDIDATE_USERS + VISITORS),
        "--run-time",
        f"{RUN_SECONDS}s",
        "--stop-timeout",
        "30",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    started = time.time()
    with open(VAR / "bench-surge-locust.log", "wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=RUN_SECONDS + 120, check=False)
    if not stats_path.exists():
        sys.exit(f"Locust did not finish: see {VAR / 'bench-surge-locust.log'}")
    return started, time.time(), json.loads(stats_path.read_text())


def drain(acknowledged, sink):
    """Wait until every acknowledged application is screened and its emails are sent."""
    from candidates.models import Application
    from portal.models import OutgoingEmail

    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        waiting = Application.objects.filter(reference__in=acknowledged, current_screening__isnull=True).count()
        unsent = OutgoingEmail.objects.filter(application__reference__in=acknowledged).exclude(
            status=OutgoingEmail.Status.SENT
        )
        if not waiting and not unsent.exists():
            return True
        time.sleep(1)
    return False


def check(acknowledged, accounts, sink):
    """(lost, duplicated, details): each acknowledged send is exactly one application, screened, with
    its receipt and screening emails sent exactly once."""
    from candidates.models import Application
    from portal import outbox
    from portal.models import OutgoingEmail

    emails = [account["email"] for account in accounts]
    applications = list(
        Application.objects.filter(candidate__email__in=emails).values_list(
            "reference", "candidate__email", "status", "current_screening_id"
        )
    )
    per_candidate = collections.Counter(email for _ref, email, _status, _screening in applications)
    by_reference = {str(ref): (status, screening) for ref, _email, status, screening in applications}
    received = collections.Counter(sink.message_ids())
    rows = list(OutgoingEmail.objects.filter(application__reference__in=acknowledged).select_related("application"))
    kinds = collections.defaultdict(set)
    for row in rows:
        kinds[str(row.application.reference)].add(row.kind)
    lost, reasons = 0, collections.Counter()
    for reference in acknowledged:
        status, screening = by_reference.get(reference, (None, None))
        if status is None:
            reasons["no application"] += 1
        elif status == "draft":
            reasons["still a draft"] += 1
        elif screening is None:
            reasons["not screened"] += 1
        elif "application_received" not in kinds[reference] or not any(
            kind.startswith("screening_") for kind in kinds[reference]
        ):
            reasons["email not queued"] += 1
        else:
            continue
        lost += 1
    missing_at_sink = sum(1 for row in rows if received[outbox.message_id(row)] == 0)
    lost += missing_at_sink
    if missing_at_sink:
        reasons["email not received"] += missing_at_sink
    duplicated = sum(count - 1 for count in per_candidate.values() if count > 1)
    duplicated += sum(received[outbox.message_id(row)] - 1 for row in rows if received[outbox.message_id(row)] > 1)
    statuses = collections.Counter(status for status, _screening in by_reference.values())
    return lost, duplicated, reasons, statuses, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()
    common.production_environment()
    common.start("surge", time_limit_seconds=TIME_LIMIT_SECONDS)
    common.ensure_debian_packages(**({"nginx": "nginx-light", "pgbouncer": "pgbouncer"} if args.nodes > 1 else {}))
    from portal.tests.smtp import SmtpSink

    common.collectstatic()
    started = time.perf_counter()
    common.load_demo(BACKGROUND)
    accounts, sessions = make_accounts(ACCOUNTS)
    common.analyze()
    print(
        f"data: {BACKGROUND} applications, {len(accounts)} candidate accounts over {len(sessions)} open sessions "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    VAR.mkdir(exist_ok=True)
    accounts_path, results_path, pdf_path = (
        VAR / "bench-surge-accounts.json",
        VAR / "bench-surge-sent.jsonl",
        VAR / "cv.pdf",
    )
    accounts_path.write_text(json.dumps(accounts))
    results_path.write_text("")
    pdf_path.write_bytes(sample_pdf())
    common.reset_redis()

    sink = SmtpSink().start()
    stack = common.Stack(nodes=args.nodes, workers=WORKERS, celery_concurrency=CELERY_CONCURRENCY, email_url=sink.url)
    try:
        stack.start()
        print(f"stack: {stack.describe()} (load average {common.load_average():.1f})", flush=True)
        locust_started, locust_ended, stats = run_locust(stack.url, accounts_path, results_path, pdf_path)
        sent = [json.loads(line) for line in results_path.read_text().splitlines() if line]
        acknowledged = [entry["reference"] for entry in sent]
        elapsed = (max(entry["at"] for entry in sent) - locust_started) if sent else float("inf")
        load = common.load_average()
        drained = drain(acknowledged, sink)
    finally:
        stack.stop()
        sink.stop()
    lost, duplicated, reasons, statuses, emails = check(acknowledged, accounts, sink)
    steps = stats["steps"]
    for name, row in sorted(steps.items()):
        print(
            f"  {name}: {row['requests']} requests, {row['failures']} failed, "
            f"p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms"
        )
    candidate_steps = {name: row for name, row in steps.items() if not name.startswith("anonymous")}
    worst = max(candidate_steps, key=lambda name: candidate_steps[name]["p95"], default=None)
    worst_p95 = candidate_steps[worst]["p95"] if worst else float("nan")
    print(
        f"{len(acknowledged)} of {len(accounts)} sends acknowledged in {elapsed:.1f} s; {stats['requests']} requests "
        f"({stats['requests'] / (locust_ended - locust_started):.0f}/s); drained: {drained}; "
        f"statuses {dict(statuses)}; {emails} emails; lost {dict(reasons) or 0} "
        f"(load average {load:.1f} at the end of the run)"
    )
    print(
        f"surge: {len(acknowledged) / elapsed:.1f} applications/s, p95 {worst_p95:.0f} ms "
        f"(worst step {worst}), failures {stats['failures']}, lost {lost}, duplicated {duplicated}"
    )


if __name__ == "__main__":
    main()
