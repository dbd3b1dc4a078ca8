"""Partners bench: the charter, partner and trainee pages with 1,000 opportunities and 20,000 interests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_partners .venv/bin/python bench/partners.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and filled
with ``load_demo --candidates 5000``; the candidates' applications are then set to enrolled and the
five signatories of the Charte Partenaires Paris Code get 200 opportunities each, with 20 interests
per opportunity (one in four taken). Pages are fetched through Django's test client. The last line
is ``partners: charter p95 <A> ms, partner space p95 <B> ms, opportunity p95 <C> ms, trainee list
p95 <D> ms, commitment_figures p95 <E> ms``.
"""

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from bench.admin import timed  # noqa: E402
from bench.common import analyze, load_demo, p95, start  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "5000"))
OPPORTUNITIES_PER_COMPANY = int(os.environ.get("BENCH_OPPORTUNITIES", "200"))
INTERESTS_PER_OPPORTUNITY = 20
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
TIME_LIMIT_SECONDS = 600


def fill():
    from django.utils import timezone

    from candidates.models import Application
    from candidates.workflow import Status
    from partners.models import Commitment, Interest, Opportunity, PartnerCompany

    rng = random.Random(2017)
    Application.objects.exclude(candidate=None).update(status=Status.ENROLLED)
    enrolled = list(Application.objects.filter(status=Status.ENROLLED).values_list("candidate_id", "session_id"))
    sessions = sorted({session for _, session in enrolled})
    today = timezone.localdate()
    now = timezone.now()
    for company in PartnerCompany.objects.filter(signatures__isnull=False).distinct():
        commitments = list(Commitment.objects.filter(signature__company=company))
        opportunities = Opportunity.objects.bulk_create(
            [
                Opportunity(
                    company=company,
                    commitment=commitment,
                    kind=commitment.kind,
                    title=f"{commitment.get_kind_display()} {n}",
                    starts_on=today + datetime.timedelta(days=30 + n % 60),
                    ends_on=today + datetime.timedelta(days=31 + n % 60),
                    apply_by=today + datetime.timedelta(days=20),
                    places=INTERESTS_PER_OPPORTUNITY,
                    location="Paris",
                )
                for n in range(OPPORTUNITIES_PER_COMPANY)
                for commitment in [commitments[n % len(commitments)]]
            ]
        )
        Through = Opportunity.sessions.through
        Through.objects.bulk_create(
            [Through(opportunity_id=o.pk, session_id=rng.choice(sessions)) for o in opportunities]
        )
        interests = []
        for opportunity in opportunities:
            for i, (candidate_id, _) in enumerate(rng.sample(enrolled, INTERESTS_PER_OPPORTUNITY)):
                taken = i % 4 == 0
                interests.append(
                    Interest(
                        opportunity=opportunity,
                        candidate_id=candidate_id,
                        status=Interest.Status.TAKEN if taken else Interest.Status.INTERESTED,
                        decided_at=now if taken else None,
                        share_name=True,
                        share_email=i % 2 == 0,
                    )
                )
        Interest.objects.bulk_create(interests, batch_size=5000)


def main():
    start("partners", time_limit_seconds=TIME_LIMIT_SECONDS)
    from django.test import Client
    from django.urls import reverse

    from partners.models import Charter, Interest, Opportunity, PartnerMembership
    from partners.services import commitment_figures

    started = time.perf_counter()
    load_demo(CANDIDATES)
    fill()
    analyze()
    print(
        f"data: {Opportunity.objects.count()} opportunities, {Interest.objects.count()} interests "
        f"loaded in {time.perf_counter() - started:.0f} s"
    )

    charter = Charter.objects.get()
    member = PartnerMembership.objects.select_related("user").first()
    opportunity = Opportunity.objects.filter(company=member.company).order_by("pk").first()
    trainee = Interest.objects.filter(opportunity__company=member.company).select_related("candidate").first().candidate
    public, partner, learner = Client(), Client(), Client()
    partner.force_login(member.user)
    learner.force_login(trainee)
    cases = {
        "charter": (public, charter.get_absolute_url()),
        "partner space": (partner, reverse("partners:space")),
        "opportunity": (partner, reverse("partners:partner_opportunity", args=[opportunity.pk])),
        "trainee list": (learner, reverse("partners:trainee_opportunities")),
    }
    results = {}
    for name, (client, path) in cases.items():
        client.get(path)  # warm up
        results[name] = timed(client, path, {}, REPEAT)
        print(f"{name}: p50 {statistics.median(results[name]):.0f} ms, p95 {p95(results[name]):.0f} ms")
    figures = []
    for _ in range(REPEAT):
        begun = time.perf_counter()
        commitment_figures()
        figures.append((time.perf_counter() - begun) * 1000)
    print(
        f"partners: charter p95 {p95(results['charter']):.0f} ms, partner space p95 "
        f"{p95(results['partner space']):.0f} ms, opportunity p95 {p95(results['opportunity']):.0f} ms, "
        f"trainee list p95 {p95(results['trainee list']):.0f} ms, commitment_figures p95 {p95(figures):.0f} ms"
    )


if __name__ == "__main__":
    main()
