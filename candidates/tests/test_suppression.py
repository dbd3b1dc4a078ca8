"""Small-cell suppression: no published figure below k, and none that can be recomputed.

The property test builds random seasons (sessions in random places and families, random counts),
tabulates them as the open data does, then audits what the files would show with a separate
reading: the relations are rebuilt from the rows alone (totals, families, départements and their
communes and sites through the ``parent`` column, audiences, the seasons adding up to « ensemble »),
and every hidden figure below k is bounded by linear programming (the published figures fixed,
every count non-negative). A figure is disclosed when its smallest and largest possible values
meet: none may be.
"""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from candidates.reporting.open_data import (
    ALL,
    AUDIENCE_CODES,
    MEASURES,
    NOT_ORIENTED,
    ORIENTATION_CODES,
    Labels,
    SessionFigures,
    tabulate,
)
from candidates.reporting.suppression import Relation, derivable, disclosed, protect
from programmes.models import TrackFamily

K = 10


# --- The audit, from the published rows only --------------------------------------------------


def published_rows(tables):
    """What the files say: {scope: [(dimension, category, parent, {measure: value or None})]}."""
    return {
        scope: [
            (row.dimension, row.category, row.parent, {m: tables.value(row, m) for m in MEASURES})
            for row in tables.rows[scope]
        ]
        for scope in tables.scopes
    }


def rebuilt_relations(files):
    """The additive relations a reader can infer from the files. Cells are (file, dimension,
    category); an audience's complement is ("complement", scope, audience)."""
    relations = []
    seasons = [scope for scope in files if scope != ALL]
    for scope, rows in files.items():
        total = (scope, "total", "total")
        by_dimension = defaultdict(list)
        for dimension, category, parent, _values in rows:
            by_dimension[dimension].append((category, parent))
        relations.append((total, [(scope, "famille_metiers", c) for c, _p in by_dimension["famille_metiers"]]))
        relations.append((total, [(scope, "departement", c) for c, _p in by_dimension["departement"]]))
        relations.append((total, [(scope, "type_orienteur", c) for c, _p in by_dimension["type_orienteur"]]))
        for departement, _p in by_dimension["departement"]:
            communes = [(scope, "commune", c) for c, p in by_dimension["commune"] if p == departement]
            relations.append(((scope, "departement", departement), communes))
        for commune, _p in by_dimension["commune"]:
            sites = [(scope, "lieu", c) for c, p in by_dimension["lieu"] if p == commune]
            relations.append(((scope, "commune", commune), sites))
        for audience, _p in by_dimension["public_prioritaire"]:
            relations.append((total, [(scope, "public_prioritaire", audience), ("complement", scope, audience)]))
        if scope == ALL:
            for season, _p in by_dimension["programme"]:
                relations.append(((ALL, "programme", season), [(season, "total", "total")]))
    shown = {(d, c) for d, c, _p, _v in files[ALL] if d != "programme"}
    for dimension, category in shown:
        parts = [
            (season, dimension, category)
            for season in seasons
            if any((d, c) == (dimension, category) for d, c, _p, _v in files[season])
        ]
        relations.append(((ALL, dimension, category), parts))
    for audience in AUDIENCE_CODES:
        relations.append((("complement", ALL, audience), [("complement", season, audience) for season in seasons]))
    return relations


def audit(files, truth, measure, k):
    """The hidden cells below k whose value a reader can pin down. ``truth`` gives every cell's
    true value (complements included)."""
    known, unknown = {}, []
    for scope, rows in files.items():
        for dimension, category, _parent, values in rows:
            cell = (scope, dimension, category)
            if values[measure] is None:
                unknown.append(cell)
            else:
                known[cell] = values[measure]
    unknown += [("complement", scope, a) for scope in files for a in AUDIENCE_CODES]
    unknown = sorted(set(unknown), key=repr)
    position = {cell: n for n, cell in enumerate(unknown)}
    rows, constants = [], []
    for total, parts in rebuilt_relations(files):
        row, constant = np.zeros(len(unknown)), 0.0
        for cell, sign in ((total, 1), *((part, -1) for part in parts)):
            if cell in position:
                row[position[cell]] += sign
            else:
                constant -= sign * known[cell]
        if row.any():
            rows.append(row)
            constants.append(constant)
        else:
            assert constant == 0, f"published figures do not add up: {total}"
    disclosed_cells = []
    for cell in unknown:
        if truth[cell] >= k:
            continue
        objective = np.zeros(len(unknown))
        objective[position[cell]] = 1.0
        low = linprog(objective, A_eq=np.array(rows), b_eq=constants, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=np.array(rows), b_eq=constants, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: no upper bound at all
        if high.status == 0 and -high.fun - low.fun < 0.5:
            disclosed_cells.append((cell, truth[cell]))
    return disclosed_cells


def true_values(figures, measure):
    """Every cell's true value, added up here independently of the code under test."""
    cells = defaultdict(int)
    for f in figures:
        total = f.counts.get(measure, 0)
        for scope in (f.programme, ALL):
            for dimension, category in (
                ("total", "total"),
                ("famille_metiers", f.track_family),
                ("departement", f.departement),
                ("commune", f.commune),
                ("lieu", f.site),
            ):
                cells[(scope, dimension, category)] += total
            for kind in ORIENTATION_CODES:
                cells[(scope, "type_orienteur", kind)] += f.oriented.get((measure, kind), 0)
            for audience in AUDIENCE_CODES:
                part = f.counts.get((measure, audience), 0)
                cells[(scope, "public_prioritaire", audience)] += part
                cells[("complement", scope, audience)] += total - part
        cells[(ALL, "programme", f.programme)] += total
    return cells


# --- Random seasons ---------------------------------------------------------------------------

PLACES = [
    ("93", "93-pantin", "lepoles--pantin"),
    ("93", "93-pantin", "simplon--pantin"),
    ("93", "93-saint-denis", "simplon--saint-denis"),
    ("92", "92-villeneuve-la-garenne", "lepoles--caravelle"),
    ("75", "75-paris", "webacademie--paris-13"),
    ("75", "75-paris", "simplon--paris-20"),
    ("59", "59-valenciennes", "pop-school--valenciennes"),
]


ORGANISATION_KINDS = [kind for kind in ORIENTATION_CODES if kind != NOT_ORIENTED]


@st.composite
def session_figures(draw, programme):
    departement, commune, site = draw(st.sampled_from(PLACES))
    family = draw(st.sampled_from([f.value for f in TrackFamily]))
    counts, oriented = {}, {}
    for measure in MEASURES:
        value = draw(st.integers(0, 40))
        counts[measure] = value
        for audience in AUDIENCE_CODES:
            counts[(measure, audience)] = draw(st.integers(0, value))
        # Who oriented them: the total split among a few kinds of organisations (most sessions see
        # two or three), the rest applied alone.
        left = value
        for kind in draw(st.lists(st.sampled_from(ORGANISATION_KINDS), max_size=3, unique=True)):
            oriented[(measure, kind)] = part = draw(st.integers(0, left))
            left -= part
        oriented[(measure, NOT_ORIENTED)] = left
    return SessionFigures(programme, family, departement, commune, site, counts, oriented)


@st.composite
def seasons(draw):
    # Up to three seasons of up to three sessions: enough for every kind of relation (a season's
    # margins, communes within a département, sites within a commune, the seasons adding up to
    # « ensemble »); bigger draws only cost time (the suppression's exact audit grows with them).
    programmes = [f"programme-{n}" for n in range(draw(st.integers(1, 3)))]
    figures = []
    for programme in programmes:
        figures += draw(st.lists(session_figures(programme), min_size=1, max_size=3))
    labels = Labels(programmes={p: p for p in programmes})
    for departement, commune, site in PLACES:
        labels.communes[commune] = commune
        labels.commune_departement[commune] = departement
        labels.sites[site] = site
        labels.site_commune[site] = commune
    return figures, labels


# As many random seasons as the Hypothesis profile says (conftest.py: a few by default, many with
# HYPOTHESIS_PROFILE=thorough).
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons(), st.sampled_from([3, 10]), st.sampled_from(list(MEASURES)))
def test_no_hidden_figure_below_k_can_be_recomputed_from_the_published_files(season, k, audited):
    """Every measure is checked for what it publishes; one, drawn at random, is audited by linear
    programming (the measures are suppressed alike and separately: auditing them all would only
    multiply the time)."""
    figures, labels = season
    tables = tabulate(figures, labels, k=k)
    files = published_rows(tables)
    for measure in MEASURES:
        truth = true_values(figures, measure)
        for scope, rows in files.items():
            for dimension, category, _parent, values in rows:
                value = values[measure]
                cell = (ALL, "programme", category) if dimension == "programme" else (scope, dimension, category)
                if value is not None:
                    assert value == truth[cell], (measure, cell)
                    assert value >= k, f"{measure} {cell}: {value} published below k={k}"
        if measure == audited:
            assert audit(files, truth, measure, k) == [], measure


# --- The pieces -------------------------------------------------------------------------------


def one_way(values, k=K):
    """A one-way table: total = a + b + c + …"""
    relation = Relation("total", tuple(cell for cell in values if cell != "total"))
    return protect(values, [relation], k=k)


def test_a_small_cell_hides_a_second_one_so_that_the_total_does_not_give_it_away():
    result = one_way({"total": 100, "a": 3, "b": 40, "c": 57})
    assert result.primary == {"a"}
    assert result.complementary == {"b"}  # the cheapest other part, not the total
    assert not disclosed([Relation("total", ("a", "b", "c"))], {"total": 100, "a": 3, "b": 40, "c": 57}, result.hidden)


def test_hidden_zeros_under_a_known_total_are_joined_by_a_positive_cell():
    values = {"total": 17, "a": 17, "b": 0, "c": 0}
    result = one_way(values)
    # b and c add up to 17 - 17 = 0, so each would be 0: a must go too.
    assert result.hidden == {"a", "b", "c"}
    assert not disclosed([Relation("total", ("a", "b", "c"))], values, result.hidden)


def test_the_linear_audit_finds_a_cell_given_away_through_a_chain_of_relations():
    # A 2 × 2 table with margins, two cells hidden in one row only: the columns give them away.
    relations = [
        Relation("r1", ("a", "b")),
        Relation("r2", ("c", "d")),
        Relation("c1", ("a", "c")),
        Relation("c2", ("b", "d")),
    ]
    assert derivable(relations, {"a", "b"}) == {"a", "b"}
    assert derivable(relations, {"a", "b", "c", "d"}) == set()


# A 2 × 2 table with its margins and grand total; « a » (4) is below k.
TWO_WAY_VALUES = {"r1": 30, "r2": 45, "c1": 35, "c2": 40, "a": 4, "b": 26, "c": 31, "d": 14, "t": 75}
TWO_WAY_RELATIONS = [
    Relation("r1", ("a", "b")),
    Relation("r2", ("c", "d")),
    Relation("c1", ("a", "c")),
    Relation("c2", ("b", "d")),
    Relation("t", ("r1", "r2")),
    Relation("t", ("c1", "c2")),
]


def test_a_two_way_table_is_protected_by_a_rectangle():
    values, relations = TWO_WAY_VALUES, TWO_WAY_RELATIONS
    result = protect(values, relations, k=K)
    assert result.primary == {"a"}
    assert result.hidden == {"a", "b", "c", "d"}
    assert not disclosed(relations, values, result.hidden)


def test_an_unpublished_complement_below_k_hides_its_audience():
    # 95 women of 100 applicants: publishing both would say « 5 men ».
    values = {"total": 100, "women": 95, "not_women": 5}
    result = protect(values, [Relation("total", ("women", "not_women"))], k=K, unpublished={"not_women"})
    assert result.suppressed == {"women"}
    assert "not_women" not in result.suppressed


@pytest.mark.parametrize(("k", "hidden"), [(0, set()), (1, {"a", "b"})])
def test_a_threshold_of_one_withholds_only_zeros_and_zero_nothing(k, hidden):
    result = one_way({"total": 5, "a": 5, "b": 0}, k=k)
    assert result.hidden == hidden


def test_a_zero_the_equations_pin_down_needs_no_linear_program(monkeypatch):
    """Exact elimination first: linear programming only for the hidden zeros it leaves open."""
    from candidates.reporting import suppression

    def no_linear_program(*args):
        raise AssertionError("linear programming was not needed")

    monkeypatch.setattr(suppression, "_forced_zeros", no_linear_program)
    relations = [Relation("total", ("a", "b", "c"))]
    assert disclosed(relations, {"total": 5, "a": 0, "b": 5, "c": 0}, {"a"}) == {"a"}
    assert disclosed(relations, {"total": 5, "a": 3, "b": 2, "c": 0}, {"a", "b"}) == set()


def test_each_group_of_hidden_cells_is_audited_once_per_protect(monkeypatch):
    from candidates.reporting import suppression

    audited = []
    original = suppression._disclosed_group

    def counted(relations, values, hidden):
        audited.append(hidden)
        return original(relations, values, hidden)

    monkeypatch.setattr(suppression, "_disclosed_group", counted)
    values, relations = TWO_WAY_VALUES, TWO_WAY_RELATIONS
    assert protect(values, relations, k=K).hidden == {"a", "b", "c", "d"}
    assert len(audited) == len(set(audited))
