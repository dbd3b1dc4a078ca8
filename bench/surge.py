"""Opening day: candidates applying at once through the whole stack, anonymous visitors browsing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/surge.py [--nodes 2]

The database named by DATABASE_URL is created if missing, then WIPED and filled with
``load_demo --candidates 20000`` (BENCH_BACKGROUND) and BENCH_WARMUP_ACCOUNTS (40) + BENCH_ACCOUNTS
(600) verified candidate accounts with complete profiles, each eligible to the open session it will
apply to; the Redis
database is flushed. The bench starts, on free loopback ports: an SMTP sink (aiosmtpd), gunicorn
(``DJANGO_DEBUG=0``, 2 sync workers, BENCH_WORKERS) and a Celery worker (queues default, screening,
mail; 2 processes, BENCH_CELERY_CONCURRENCY). With ``--nodes 2``: two gunicorn instances and two
Celery workers, Debian's nginx in front of the gunicorns and Debian's PgBouncer (transaction
pooling) between every process and PostgreSQL; both packages are installed if missing.

Locust (headless, bench/surge_locustfile.py) runs BENCH_CANDIDATE_USERS (60) candidates at once,
each taking the next account until none is left: login, home, catalogue, a filtered catalogue, the
session (whose button starts the application), every application step with a real PDF (a two-page
CV as word processors export it: fonts, a photo, 47 objects), send, the application, « Mes
candidatures », logout (18 requests), and
BENCH_VISITORS (20) anonymous visitors browsing meanwhile. The users arrive evenly over the first
BENCH_ARRIVAL_SECONDS (8, about one journey; 0: all at the same instant), as people do when a
season opens: started at the same instant, identical journeys stay in step. First, a warm-up run
that is not measured: BENCH_WARMUP_USERS (10) candidates over the warm-up accounts (at most
BENCH_WARMUP_SECONDS, 120), so that every process has compiled its templates, filled its caches
and opened its connections (cold processes inflate the first figures). The measured run stops when
every account has sent, or after BENCH_RUN_SECONDS (300). The load
generator stands for the outer proxy (TLS ends there): it sends X-Forwarded-Proto and each phone's
address in X-Forwarded-For (DJANGO_TRUSTED_PROXY_COUNT=1, or 2 behind nginx).

After Locust stops, the bench waits for the queues to drain (screening, emails), then checks the
database and the sink: every send the client saw acknowledged (warm-up included) must be exactly one application,
screened, whose emails (receipt and screening outcome) were sent once. Last line:
``surge: <S> applications/s, p95 <X> ms (worst step <name>), failures <F>, lost <L>, duplicated <D>``
where S counts acknowledged sends per second while every candidate is at work (from the send of
the first tenth to that of the last tenth: the arrivals and the end are left out; the rate from
the start of the run is printed above it), X is the worst step's 95th
percentile in the measured run (every step of the candidates' journey, login included), F the failed
requests (warm-up included), L the
acknowledged sends missing, not screened or not emailed, D the extra applications or emails.
"""

import argparse
import collections
import datetime
import json
import os
import resource
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
WARMUP_ACCOUNTS = int(os.environ.get("BENCH_WARMUP_ACCOUNTS", "40"))
WARMUP_USERS = int(os.environ.get("BENCH_WARMUP_USERS", "10"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "120"))
# People arrive over the first seconds of the hour, not all at the same instant: started together,
# 60 identical journeys stay in step (everyone logs in, then everyone sends, at once) and each step's
# wait is set by the others doing the same step. 0: every user starts at once.
ARRIVAL_SECONDS = float(os.environ.get("BENCH_ARRIVAL_SECONDS", "8"))
DRAIN_SECONDS = int(os.environ.get("BENCH_DRAIN_SECONDS", "180"))
PASSWORD = "surge-motdepasse-2026"
VAR = common.ROOT / "var"
TIME_LIMIT_SECONDS = 1500
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
    CandidateProfile.objects.bulk_create(
        CandidateProfile(user=user, privacy_consent_at=now, **template) for user in users
    )
    addresses = [f"{net}.{host}" for net in DOCUMENTATION_NETWORKS for host in range(1, 255)]
    return [
        {
            "email": user.email,
            "password": PASSWORD,
            "session": sessions[n % len(sessions)].pk,
            "departement": sessions[n % len(sessions)].site.departement,
            "address": addresses[n % len(addresses)],
        }
        for n, user in enumerate(users)
    ], sessions


def sample_pdf():
    """A CV as word processors export them: two pages of text set in three embedded font subsets
    (each with its descriptor, widths and ToUnicode map), a photo (JPEG), document information and
    XMP metadata; 47 objects, about 100 KB. The font programs and the photo are random bytes
    (incompressible, as real ones nearly are): the upload check parses the structure, never draws."""
    import random
    import zlib

    rng = random.Random(2026)  # the same file at every run
    objects = {}

    def add(body):
        objects[len(objects) + 1] = body
        return len(objects)

    def stream(dictionary, data, *, compress=True):
        if compress:
            data = zlib.compress(data)
            dictionary += b" /Filter /FlateDecode"
        return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"

    catalog, pages = add(None), add(None)
    fonts = []
    for name in (b"Carlito", b"Carlito-Bold", b"Caladea-Italic"):
        program = add(stream(b"/Length1 %d" % 22000, rng.randbytes(22000), compress=False))
        descriptor = add(
            b"<< /Type /FontDescriptor /FontName /AAAAAA+%s /Flags 32 /FontBBox [-503 -307 1240 964] "
            b"/ItalicAngle 0 /Ascent 952 /Descent -269 /CapHeight 644 /StemV 80 /FontFile2 %d 0 R >>" % (name, program)
        )
        cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <00> <FF> "
        cmap += b"endcodespacerange 95 beginbfchar " + b" ".join(b"<%02X> <%04X>" % (c, c) for c in range(32, 127))
        cmap += b" endbfchar endcmap end end"
        to_unicode = add(stream(b"", cmap))
        widths = add(b"[" + b" ".join(b"%d" % rng.randrange(220, 900) for _ in range(95)) + b"]")
        fonts.append(
            add(
                b"<< /Type /Font /Subtype /TrueType /BaseFont /AAAAAA+%s /FirstChar 32 /LastChar 126 "
                b"/Widths %d 0 R /FontDescriptor %d 0 R /ToUnicode %d 0 R /Encoding /WinAnsiEncoding >>"
                % (name, widths, descriptor, to_unicode)
            )
        )
    photo = add(
        stream(
            b"/Type /XObject /Subtype /Image /Width 240 /Height 300 /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode",
            b"\xff\xd8\xff\xe0" + rng.randbytes(30000) + b"\xff\xd9",
            compress=False,
        )
    )
    font_resources = b" ".join(b"/F%d %d 0 R" % (number, font) for number, font in enumerate(fonts, start=1))
    resources = add(
        b"<< /Font << %s >> /XObject << /Im1 %d 0 R >> /ProcSet [/PDF /Text /ImageC] >>" % (font_resources, photo)
    )
    lines = [
        "Ines Surge - Developpeuse web junior",
        "Pantin (93500) - 06 12 34 56 78 - ines.surge@example.org",
        "Experience : vendeuse en boutique (2019-2024), service civique en mediatheque (2018)",
        "Competences : HTML, CSS, bases de JavaScript, accueil du public, travail en equipe",
        "Formation : baccalaureat professionnel commerce (2017)",
        "Langues : francais, arabe, anglais (intermediaire)",
    ]
    page_ids = []
    for page in range(2):
        text = [b"q 110 0 0 138 440 640 cm /Im1 Do Q" if page == 0 else b""]
        for row in range(40):
            line = lines[(row + page) % len(lines)].encode()
            text.append(b"BT /F%d 11 Tf 56 %d Td (%s) Tj ET" % (1 + row % 3, 760 - row * 17, line))
        content = add(stream(b"", b"\n".join(text)))
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources %d 0 R >>"
                % (pages, content, resources)
            )
        )
    metadata = add(
        stream(
            b"/Type /Metadata /Subtype /XML",
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta><?xpacket end='w'?>",
            compress=False,
        )
    )
    info = add(b"<< /Title (CV Ines Surge) /Producer (LibreOffice 7.4) /CreationDate (D:20261201120000+01'00') >>")
    objects[catalog] = b"<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R /Lang (fr-FR) >>" % (pages, metadata)
    objects[pages] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % page for page in page_ids),
        len(page_ids),
    )
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number in sorted(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)


def run_locust(phase, host, accounts, pdf_path, *, candidates, visitors, seconds, arrival_seconds=0):
    """One Locust run (headless) of ``candidates`` candidate users over ``accounts`` while
    ``visitors`` anonymous visitors browse, the users starting evenly over ``arrival_seconds``; it
    ends when every account has sent (or after ``seconds``). Returns (start time, end time, each
    step's figures, the acknowledged sends)."""
    stats_path, accounts_path, results_path = (
        VAR / f"bench-surge-{phase}-{kind}" for kind in ("stats.json", "accounts.json", "sent.jsonl")
    )
    stats_path.unlink(missing_ok=True)
    accounts_path.write_text(json.dumps(accounts))
    results_path.write_text("")
    env = {
        **os.environ,
        "BENCH_STATS": str(stats_path),
        "BENCH_ACCOUNTS": str(accounts_path),
        "BENCH_RESULTS": str(results_path),
        "BENCH_PDF": str(pdf_path),
        "BENCH_CANDIDATE_USERS": str(candidates),
        "BENCH_VISITORS": str(visitors),
        # The portal is at an address, not a name: resolving it in the calling greenlet spares the
        # load generator a round trip through gevent's resolver thread for every connection (a
        # sync gunicorn closes each one), CPU that the portal shares on this machine.
        "GEVENT_RESOLVER": "block",
    }
    locust = Path(sys.executable).with_name("locust")
    users = candidates + visitors
    spawn_rate = users / arrival_seconds if arrival_seconds > 0 else users
    command = [
        str(locust),
        "-f",
        str(common.ROOT / "bench" / "surge_locustfile.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    log_path = VAR / f"bench-surge-{phase}-locust.log"
    started, children = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log_path, "wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 120, check=False)
    if not stats_path.exists():
        sys.exit(f"Locust did not finish ({phase}): see {log_path}")
    sent = [json.loads(line) for line in results_path.read_text().splitlines() if line]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = json.loads(stats_path.read_text())
    stats["cpu"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return started, time.time(), stats, sent


def steady_rate(times):
    """Sends per second while every candidate is at work: between the send of the first tenth and
    that of the last tenth, leaving out the arrivals (nobody has sent yet) and the end (candidates
    leave as the accounts run out)."""
    times = sorted(times)
    first, last = len(times) // 10, len(times) - 1 - len(times) // 10
    if last <= first or times[last] <= times[first]:
        return float("nan")
    return (last - first) / (times[last] - times[first])


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
    import logging

    from portal.tests.smtp import SmtpSink

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's line per message

    common.collectstatic()
    started = time.perf_counter()
    common.load_demo(BACKGROUND)
    accounts, sessions = make_accounts(WARMUP_ACCOUNTS + ACCOUNTS)
    common.analyze()
    print(
        f"data: {BACKGROUND} applications, {len(accounts)} candidate accounts over {len(sessions)} open sessions "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    VAR.mkdir(exist_ok=True)
    pdf_path = VAR / "cv.pdf"
    pdf_path.write_bytes(sample_pdf())
    common.reset_redis()

    sink = SmtpSink().start()
    stack = common.Stack(nodes=args.nodes, workers=WORKERS, celery_concurrency=CELERY_CONCURRENCY, email_url=sink.url)
    warmup, measured = accounts[:WARMUP_ACCOUNTS], accounts[WARMUP_ACCOUNTS:]
    try:
        stack.start()
        print(
            f"stack: {stack.describe()} (load average {common.load_average():.1f}; "
            f"reference loop {common.reference_loop_ms():.0f} ms of CPU)",
            flush=True,
        )
        # Cold processes (templates to compile, catalogues and caches to fill, connections to open)
        # would weigh on the first figures: a few candidates go through first, not counted.
        _start, _end, warm_stats, warm_sent = run_locust(
            "warm-up",
            stack.url,
            warmup,
            pdf_path,
            candidates=min(WARMUP_USERS, len(warmup)),
            visitors=2,
            seconds=WARMUP_SECONDS,
        )
        print(
            f"warm-up: {len(warm_sent)} of {len(warmup)} sends acknowledged, {warm_stats['failures']} failed requests "
            f"(not counted) (load average {common.load_average():.1f})",
            flush=True,
        )
        before = stack.cpu_sample()
        locust_started, locust_ended, stats, sent = run_locust(
            "run",
            stack.url,
            measured,
            pdf_path,
            candidates=CANDIDATE_USERS,
            visitors=VISITORS,
            seconds=RUN_SECONDS,
            arrival_seconds=ARRIVAL_SECONDS,
        )
        acknowledged = [entry["reference"] for entry in sent]
        elapsed = (max(entry["at"] for entry in sent) - locust_started) if sent else float("inf")
        rate = steady_rate([entry["at"] for entry in sent])
        load = common.load_average()
        drained = drain([*acknowledged, *(entry["reference"] for entry in warm_sent)], sink)
        # After the drain: the workers' share includes the screenings and emails left to do.
        cpu = {**common.cpu_used(before, stack.cpu_sample()), "load generator (Locust)": stats["cpu"]}
    finally:
        stack.stop()
        sink.stop()
    # Every acknowledged send, the warm-up's too, must be one application, screened and emailed once.
    checked = [*(entry["reference"] for entry in warm_sent), *acknowledged]
    lost, duplicated, reasons, statuses, emails = check(checked, accounts, sink)
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
        f"{len(acknowledged)} of {len(measured)} sends acknowledged in {elapsed:.1f} s "
        f"({len(acknowledged) / elapsed:.1f}/s from the start, {rate:.1f}/s from the first to the last tenth, "
        f"candidates arriving over {ARRIVAL_SECONDS:g} s); {stats['requests']} requests "
        f"({stats['requests'] / (locust_ended - locust_started):.0f}/s); drained: {drained}; "
        f"statuses {dict(statuses)}; {emails} emails; lost {dict(reasons) or 0} "
        f"(load average {load:.1f} at the end of the run; reference loop {common.reference_loop_ms():.0f} ms of CPU)"
    )
    # What the run cost in CPU, whatever else the machine was doing: a capacity estimate that holds
    # on a busy machine (the anonymous visitors' share included).
    per_application = {role: seconds * 1000 / max(1, len(acknowledged)) for role, seconds in cpu.items()}
    total = sum(per_application.values())
    print(
        "CPU per application during the run: "
        + ", ".join(f"{role} {ms:.0f} ms" for role, ms in per_application.items())
        + f"; total {total:.0f} ms, that is at most {os.cpu_count() * 1000 / total:.1f} applications/s "
        f"on {os.cpu_count()} idle cores (Redis not counted)"
    )
    print(
        f"surge: {rate:.1f} applications/s, p95 {worst_p95:.0f} ms "
        f"(worst step {worst}), failures {stats['failures'] + warm_stats['failures']}, lost {lost}, "
        f"duplicated {duplicated}"
    )


if __name__ == "__main__":
    main()
