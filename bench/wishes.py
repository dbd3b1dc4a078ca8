"""A season of ranked wishes, with and without release: 20,000 candidates, 1,000 seats, 3 wishes each.

    .venv/bin/python bench/wishes.py            (BENCH_SEED=… to vary the draw; no database needed)

A faithful model of the services, not the services themselves: a season is 60,000 applications and
some 150,000 answers over three months of simulated days, which the real services would take hours
to replay through PostgreSQL for a figure that depends only on their rules. The model reads those
rules from the one place they live — the workflow table (``candidates.workflow.TRANSITIONS``: each
move's sources, target and what it releases, ``Releases``), the statuses that hold a seat
(``SEAT_HOLDING_STATUSES``, ``ADMITTED_STATUSES``) and the programme's answer delay
(``Programme.offer_deadline_days``'s default) — and replays the seat service's waiting-list
promotion (a freed seat goes at once to the next on the list, ``seats.promote_waitlist`` in
automatic mode) and the beat's expiry of unanswered offers. Both runs draw the same people, wishes,
selection lists and answer delays from one seed.

The season: 50 sessions of 20 seats in one programme (one ranking per programme, see README).
Each candidate applies to 3 sessions drawn by popularity (some sessions are much more wanted),
ranked in a random order of preference. Each session keeps three candidates per seat after its tests and
interviews (a score: the person's level, shared by all their sessions, plus the session's own
noise, so that strong candidates are on several lists), offers its 20 seats on its selection day (days 0 to 20) and keeps the rest on its waiting
list, by score; it starts five weeks later, and nobody enters a session after its first day.

Behaviour (both runs): an answer comes 0 to 6 days after an offer; 5 % of offers get none and
expire after 7 days.
- With ranked release: an offer on the best wish still in play is accepted for good (90 %) or
  declined; an offer below a better wish still in play is held « en attendant mieux » (80 %),
  accepted for good (12 %) or declined. Accepting releases every other wish, holding the lower
  ones, a better offer accepted or held releases the held seat; each freed seat goes to the next on
  its list at once. A held seat is enrolled on its first day (releasing the better wishes still
  waiting).
- Without release (today): a person accepts any offer on a wish better than every seat they have
  already accepted (90 %), keeping the seats accepted before; offers on worse wishes are mostly left
  unanswered (60 %, they expire) or declined late. On the first days, each person goes to their best
  accepted session; their other accepted seats are no-shows, lost to the waiting list.

Figures: seats filled = people in training on their first day / seats; days from offer to filled
seat = for each seat filled, from the day it was first offered to the day its final holder accepted
(or held) it, the median over the seats whose first holder did not keep them (a seat never filled
again counts as never filled); double-held seats = people who at any moment hold two seats
accepted, held or enrolled at once, in the run with release (the workflow forbids it: must be 0;
the line before the last gives it for both runs).

The last line reads ``wishes: seats filled <A> % vs <B> % without release, median days from offer to
filled seat <C> vs <D>, double-held seats 0``.
"""

import heapq
import os
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 60)

import django  # noqa: E402 — after the settings module is named

django.setup()

from candidates.workflow import (  # noqa: E402
    ACTIVE_STATUSES,
    ADMITTED_STATUSES,
    SEAT_HOLDING_STATUSES,
    TRANSITIONS_BY_NAME,
    Releases,
    Status,
)
from programmes.models import Programme  # noqa: E402

CANDIDATES = 20_000
SESSIONS = 50
SEATS_PER_SESSION = 20
WISHES = 3
SCORE_NOISE = 0.5  # how much a session's tests and interview differ from the person's overall level
SELECTED_PER_SEAT = 3  # each session keeps three candidates per seat after its tests and interviews
START_AFTER_SELECTION = 35
SELECTION_DAYS = 20
NO_ANSWER = 0.05
OFFER_DAYS = Programme._meta.get_field("offer_deadline_days").default  # 7
SEED = int(os.environ.get("BENCH_SEED", "16"))


class Season:
    """The draw shared by both runs: people, their ranked wishes, each session's list, answers."""

    def __init__(self, seed):
        rng = random.Random(seed)
        popularity = [1 / (rank + 1) ** 0.7 for rank in range(SESSIONS)]
        self.selection_day = [rng.randint(0, SELECTION_DAYS) for _ in range(SESSIONS)]
        self.start_day = [day + START_AFTER_SELECTION for day in self.selection_day]
        self.wishes = []  # person -> [session, …] best first
        applicants = defaultdict(list)
        for person in range(CANDIDATES):
            # Selection scores are correlated across sessions: a strong candidate is on several lists
            # (the people who block seats elsewhere are the ones every centre wants).
            strength = rng.gauss(0, 1)
            chosen = set()
            while len(chosen) < WISHES:
                chosen.add(rng.choices(range(SESSIONS), weights=popularity)[0])
            ranked = list(chosen)
            rng.shuffle(ranked)
            self.wishes.append(ranked)
            for session in ranked:
                applicants[session].append((strength + rng.gauss(0, SCORE_NOISE), person))
        # Each session's list, best score first: the first SEATS are offered, the rest wait.
        self.lists = []
        for session in range(SESSIONS):
            scored = sorted(applicants[session], reverse=True)
            kept = SEATS_PER_SESSION * SELECTED_PER_SEAT
            self.lists.append([person for _score, person in scored[:kept]])
        self.rng_seed = rng.random()

    def rank(self, person, session):
        return self.wishes[person].index(session)


class Run:
    """One replay of the season, through the workflow table's moves."""

    def __init__(self, season, *, release):
        self.season = season
        self.release = release
        self.rng = random.Random(season.rng_seed)
        self.status = {}  # (person, session) -> Status
        self.queue = []  # (day, order, kind, person, session)
        self.order = 0
        self.next_up = [0] * SESSIONS  # index of the next on each session's list
        self.free = [[] for _ in range(SESSIONS)]  # each session's free seats (numbers), offered at once
        self.seat_of = {}  # (person, session) -> the seat number offered to them
        self.seat_offers = defaultdict(int)  # (session, seat) -> how many people were offered it
        self.filled_at = {}  # (person, session) -> day the seat was taken (accepted or held)
        self.offered_day = {}  # (person, session) -> day of the seat's first offer
        self.double_held = set()
        for session, people in enumerate(season.lists):
            for person in people:
                self.status[person, session] = Status.WAITLISTED
            self.push(season.selection_day[session], "select", None, session)
            self.push(season.start_day[session], "start", None, session)

    def push(self, day, kind, person, session):
        self.order += 1
        heapq.heappush(self.queue, (day, 0 if kind != "start" else 1, self.order, kind, person, session))

    # --- the workflow's moves, from its table ---------------------------------------------------

    def move(self, person, session, name, day, *, nested=False):
        spec = TRANSITIONS_BY_NAME[name]
        source = self.status[person, session]
        assert source in spec.sources, (name, source)
        self.status[person, session] = spec.target
        if source in SEAT_HOLDING_STATUSES and spec.target not in SEAT_HOLDING_STATUSES:
            self.seat_freed(session, self.seat_of[person, session], day)
        if self.release and spec.releases is not Releases.NOTHING:
            rank = self.season.rank(person, session)
            for other in self.season.wishes[person]:
                if other == session or self.status.get((person, other)) not in ACTIVE_STATUSES:
                    continue
                if spec.releases is Releases.LOWER and self.season.rank(person, other) < rank:
                    continue
                self.move(person, other, "release_wish", day, nested=True)
        if nested:
            return  # a release inside the move: checked once the whole move (one transaction) is done
        admitted = [s for s in self.season.wishes[person] if self.status.get((person, s)) in ADMITTED_STATUSES]
        if len(admitted) > 1:
            self.double_held.add(person)

    def seat_freed(self, session, seat, day):
        self.free[session].append(seat)
        self.promote(session, day)

    def promote(self, session, day):
        """seats.promote_waitlist: the free seats go at once to the next on the list."""
        if day >= self.season.start_day[session]:
            return  # the session has started: nobody enters after the first day
        people = self.season.lists[session]
        while self.free[session] and self.next_up[session] < len(people):
            person = people[self.next_up[session]]
            self.next_up[session] += 1
            if self.status.get((person, session)) != Status.WAITLISTED:
                continue
            seat = self.free[session].pop(0)
            self.seat_of[person, session] = seat
            self.seat_offers[session, seat] += 1
            self.offer(person, session, day)

    def offer(self, person, session, day):
        self.move(person, session, "offer_seat", day)
        self.offered_day[person, session] = day
        if self.rng.random() < NO_ANSWER:
            self.push(day + OFFER_DAYS, "expire", person, session)
        else:
            self.push(day + self.rng.randint(0, OFFER_DAYS - 1), "answer", person, session)

    # --- the people ----------------------------------------------------------------------------

    def answer(self, person, session, day):
        if self.status[person, session] != Status.SEAT_OFFERED:
            return  # released meanwhile
        rank = self.season.rank(person, session)
        draw = self.rng.random()
        if self.release:
            better = any(
                self.status.get((person, other)) in ACTIVE_STATUSES and self.season.rank(person, other) < rank
                for other in self.season.wishes[person]
            )
            if not better:
                name = "accept_offer" if draw < 0.90 else "decline_offer"
            else:
                name = "hold_offer" if draw < 0.80 else "accept_offer" if draw < 0.92 else "decline_offer"
        else:
            accepted = [
                self.season.rank(person, other)
                for other in self.season.wishes[person]
                if self.status.get((person, other)) == Status.SEAT_ACCEPTED
            ]
            if not accepted or rank < min(accepted):
                name = "accept_offer" if draw < 0.90 else "decline_offer"
            elif draw < 0.60:
                self.push(self.offered_day[person, session] + OFFER_DAYS, "expire", person, session)
                return
            else:
                name = "decline_offer"
        if name in ("accept_offer", "hold_offer"):
            self.filled_at[person, session] = day
        self.move(person, session, name, day)

    def expire(self, person, session, day):
        if self.status[person, session] == Status.SEAT_OFFERED:
            self.move(person, session, "expire_offer", day)

    def start(self, session, day):
        """The first day: who comes is in training; the other seats stay empty."""
        for person in self.season.lists[session]:
            status = self.status[person, session]
            if status == Status.SEAT_OFFERED:
                self.status[person, session] = Status.OFFER_EXPIRED  # too late to answer
            elif status in (Status.SEAT_HELD, Status.SEAT_ACCEPTED):
                if self.release or self.best_accepted(person) == session:
                    self.move(person, session, "enroll", day)
                else:
                    self.status[person, session] = Status.NO_SHOW

    def best_accepted(self, person):
        for session in self.season.wishes[person]:
            if self.status.get((person, session)) in (Status.SEAT_ACCEPTED, Status.ENROLLED):
                return session
        return None

    def play(self):
        while self.queue:
            day, _late, _order, kind, person, session = heapq.heappop(self.queue)
            if kind == "select":
                self.free[session] = list(range(SEATS_PER_SESSION))
                self.promote(session, day)
            elif kind == "answer":
                self.answer(person, session, day)
            elif kind == "expire":
                self.expire(person, session, day)
            else:
                self.start(session, day)
        return self

    def figures(self):
        enrolled = [key for key, status in self.status.items() if status == Status.ENROLLED]
        filled = 100 * len(enrolled) / (SESSIONS * SEATS_PER_SESSION)
        # Per seat: days from its first offer (the session's selection day) to the day the person
        # who trains in it took it. Over the seats whose first holder did not keep them (declined,
        # let expire, released, or — without release — did not come); a seat never filled again
        # counts as never filled (after every other), so that lost seats weigh in.
        filled_on = {(key[1], self.seat_of[key]): self.filled_at[key] for key in enrolled}
        days = []
        for session in range(SESSIONS):
            start = self.season.selection_day[session]
            for seat in range(SEATS_PER_SESSION):
                first_kept = self.seat_offers[session, seat] == 1 and (session, seat) in filled_on
                if first_kept:
                    continue
                days.append(filled_on[session, seat] - start if (session, seat) in filled_on else float("inf"))
        median = statistics.median_low(days) if days else 0
        return filled, median, len(self.double_held)


def main():
    season = Season(SEED)
    with_release = Run(season, release=True).play().figures()
    without = Run(season, release=False).play().figures()
    print(
        f"season: {CANDIDATES} candidates, {SESSIONS * SEATS_PER_SESSION} seats in {SESSIONS} sessions, "
        f"{WISHES} wishes each, seed {SEED}"
    )
    for label, (filled, median, double) in (("with release", with_release), ("without release", without)):
        print(f"{label:16} filled {filled:.1f} %, median {median} days, people holding two seats {double}")
    print(
        f"wishes: seats filled {with_release[0]:.1f} % vs {without[0]:.1f} % without release, "
        f"median days from offer to filled seat {with_release[1]:g} vs {without[1]:g}, "
        f"double-held seats {with_release[2]}"
    )


if __name__ == "__main__":
    main()
