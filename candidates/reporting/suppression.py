"""Small-cell suppression: statistical disclosure control for published tables of counts.

A publication is a set of cells (counts) tied by additive relations: a total is the sum of its
parts (the applications of a season are the sum over track families, over départements; a
département is the sum of its communes; the « all seasons » figure is the sum over seasons). Some
cells are never published but still sensitive: the complement of a priority audience (« not
women ») is the total minus the audience, so publishing both would publish it.

``protect(values, relations, k=…)`` decides which cells to hide:

1. **Primary suppression**: every cell below ``k`` (zero included) is hidden.
2. **Complementary suppression**: more cells are hidden until no hidden cell below ``k`` can be
   computed exactly from the published ones through the relations. Two passes, repeated until
   neither finds anything: a cheap one (a relation left with a single hidden sensitive cell gives
   it away: hide its cheapest published neighbour) and an exact audit (``derivable``: linear
   algebra over the hidden cells, which also catches chains of relations that no single row or
   column shows). The cheapest cell to hide is a part rather than a total, then the smallest.

Pure: no database, no Django. The audit runs per group of hidden cells linked through relations
(no relation joins two groups, so each is audited alone), which stays small: the cost follows the
number of suppressed cells, not the number of applications. Each group is audited once per
``protect`` call (``_Audit`` remembers the answer: hiding a cell re-audits only its group), by
exact rational elimination first and linear programming only for the hidden zeros the elimination
leaves open.

What this does not cover, on purpose: relations between different measures (the enrolled are a
subset of the applicants) are inequalities; they bound a hidden cell between published figures
but never give its value, and every bound of a hidden cell below ``k`` lies within [0, k).
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

# How many candidate cells the exact pass tries, cheapest first, before hiding the cheapest.
CANDIDATES_TRIED = 12


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``."""

    total: Hashable
    parts: tuple

    @property
    def cells(self):
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Suppression:
    """The cells hidden by ``protect``: ``primary`` (below k), ``complementary`` (hidden so that the
    primary ones cannot be recomputed), and those never published (``unpublished``)."""

    primary: frozenset
    complementary: frozenset
    unpublished: frozenset = frozenset()

    @property
    def hidden(self):
        return self.primary | self.complementary | self.unpublished

    @property
    def suppressed(self):
        """The published cells whose value is withheld (what a reader sees as « secret »)."""
        return (self.primary | self.complementary) - self.unpublished

    def is_hidden(self, key):
        return key in self.primary or key in self.complementary or key in self.unpublished


@dataclass
class _Index:
    relations: list
    by_cell: dict = field(default_factory=lambda: defaultdict(list))
    margin_count: dict = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def of(cls, relations):
        index = cls(list(relations))
        for number, relation in enumerate(index.relations):
            index.margin_count[relation.total] += 1
            for cell in relation.cells:
                index.by_cell[cell].append(number)
        return index


def protect(values: Mapping, relations: Iterable[Relation], *, k: int, unpublished=frozenset()) -> Suppression:
    """The cells to hide so that no cell below ``k`` is published or can be recomputed.

    ``values`` maps every cell (published or not) to its count; ``relations`` say which cells add
    up to which; ``unpublished`` cells are never shown (their value still counts: one below k is
    protected like any other)."""
    index = _Index.of(relations)
    unpublished = frozenset(unpublished)
    if k < 1:
        return Suppression(frozenset(), frozenset(), unpublished)
    sensitive = {cell for cell, value in values.items() if value < k}
    hidden = set(sensitive) | unpublished

    def cost(cell):
        # A total hidden spreads to every relation it closes: parts first, then the smallest.
        return (index.margin_count[cell], values[cell], repr(cell))

    audit = _Audit(index, values)
    while True:
        _close_local_leaks(index, values, hidden, sensitive, cost)
        leaks = audit.disclosed(hidden) & sensitive
        if not leaks:
            break
        for leak in sorted(leaks, key=repr):
            if leak in audit.near(hidden, leak):
                _hide_for(index, audit, hidden, leak, cost)
    primary = frozenset(sensitive - unpublished)
    return Suppression(primary, frozenset(hidden - sensitive - unpublished), unpublished)


def _close_local_leaks(index, values, hidden, sensitive, cost):
    """The two leaks one relation shows by itself, closed by hiding its cheapest published cell
    (repeated until stable): a single hidden sensitive cell is the total minus the published
    parts; hidden parts that add up to zero under a published total are each zero."""
    todo = list(range(len(index.relations)))
    while todo:
        relation = index.relations[todo.pop()]
        hidden_cells = [cell for cell in relation.cells if cell in hidden]
        if not hidden_cells or not any(cell in sensitive for cell in hidden_cells):
            continue
        published = [cell for cell in relation.cells if cell not in hidden]
        if len(hidden_cells) == 1:
            choices = published
        elif relation.total not in hidden and not any(values[cell] for cell in hidden_cells):
            # Zeros under a known total: a hidden part with a positive value lets them move.
            choices = [cell for cell in published if cell != relation.total and values[cell]] or [relation.total]
        else:
            continue
        if not choices:
            continue
        chosen = min(choices, key=cost)
        hidden.add(chosen)
        todo.extend(index.by_cell[chosen])


def _component(index, hidden, start):
    """The hidden cells linked to ``start`` through relations, and those relations."""
    cells, relations, todo = {start}, set(), [start]
    while todo:
        cell = todo.pop()
        for number in index.by_cell[cell]:
            if number in relations:
                continue
            relations.add(number)
            for other in index.relations[number].cells:
                if other in hidden and other not in cells:
                    cells.add(other)
                    todo.append(other)
    return cells, relations


class _Audit:
    """``disclosed`` for one ``protect`` call, group by group: a group is a set of hidden cells
    linked through relations (``_component``), and what it gives away depends only on its cells
    (the relations around them and the published values are fixed). So each group is solved once
    however often the search asks, and a hidden cell added somewhere re-solves only its group."""

    def __init__(self, index, values):
        self.index, self.values, self.solved = index, values, {}

    def near(self, hidden, cell):
        """The disclosed cells of the group of ``cell``."""
        return self._group(*_component(self.index, hidden, cell))

    def disclosed(self, hidden):
        """Every disclosed cell: the union over the groups (no relation joins two of them)."""
        found, seen = set(), set()
        for cell in hidden:
            if cell not in seen:
                cells, numbers = _component(self.index, hidden, cell)
                seen |= cells
                found |= self._group(cells, numbers)
        return found

    def _group(self, cells, numbers):
        key = frozenset(cells)
        if key not in self.solved:
            relations = [self.index.relations[number] for number in sorted(numbers)]
            self.solved[key] = _disclosed_group(relations, self.values, key)
        return self.solved[key]


def _hide_for(index, audit, hidden, leak, cost):
    """Hide a published cell near ``leak`` so that it can no longer be recomputed: the cheapest
    cell whose hiding alone protects it, else the cheapest cell around (and the loop goes on)."""
    _cells, numbers = _component(index, hidden, leak)
    candidates = sorted(
        {cell for n in numbers for cell in index.relations[n].cells if cell not in hidden},
        key=cost,
    )
    if not candidates:
        raise ValueError(f"cannot protect {leak!r}: every related cell is hidden already")
    for candidate in candidates[:CANDIDATES_TRIED]:
        hidden.add(candidate)
        if leak not in audit.near(hidden, leak):
            return
        hidden.discard(candidate)
    hidden.add(candidates[0])


def disclosed(relations, values, hidden) -> set:
    """The hidden cells whose exact value follows from the published ones, the relations and the
    fact that no count is negative (group by group: ``_disclosed_group``)."""
    return _Audit(_Index.of(relations), values).disclosed(set(hidden))


def _disclosed_group(relations, values, hidden):
    """``disclosed`` for one group of linked hidden cells.

    The published figures and the relations are linear equations in the hidden cells; a hidden
    cell is determined exactly when the equations pin it down (``_determined``, exact rational
    arithmetic: cheap, and it settles most groups). Counts being non-negative matters only for
    hidden zeros: under a known total, hidden parts that add up to nothing are each nothing. So
    the hidden zeros the equations leave open go to linear programming (``_forced_zeros``): those
    no count satisfying the relations can make positive are known, and with them known the
    equations may pin down more cells. Any other hidden cell can move: the true counts, all
    positive there, can be shifted along the equations. (A zero the equations determine is
    forced too, and knowing it changes nothing for the others: it is already in the row space.)"""
    rows = _equations(relations, values, hidden)
    determined = _determined(_exact(rows))
    zeros = {cell for row, _constant in rows for cell in row if values[cell] == 0}
    open_zeros = zeros - determined
    if not open_zeros:
        return determined
    forced = _forced_zeros(rows, zeros, open_zeros)
    if not forced:
        return determined
    return forced | _determined(_exact(rows, known=forced))


def _equations(relations, values, hidden):
    """Each relation as an equation in the hidden cells: ({cell: coefficient}, constant), the
    published cells moved to the constant; relations without a hidden cell left out."""
    rows = []
    for relation in relations:
        row, constant = defaultdict(int), 0
        for cell, sign in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            if cell in hidden:
                row[cell] += sign
            else:
                constant -= sign * values[cell]
        row = {cell: value for cell, value in row.items() if value}
        if row:
            rows.append((row, constant))
    return rows


def _exact(rows, known=frozenset()):
    """The equations' coefficients as fractions, for ``_determined``, without the ``known`` cells."""
    return [{cell: Fraction(value) for cell, value in row.items() if cell not in known} for row, _c in rows]


def _forced_zeros(rows, zeros, undecided):
    """The cells of ``undecided`` (hidden zeros) that are 0 in every non-negative solution of the
    equations ``rows``.

    Maximise the sum of the undecided zeros: an optimum of 0 means none can be positive (they are
    all forced); otherwise the ones the solution makes positive are not, and the rest is tried
    again. Capping the zeros at 1 changes nothing (a positive one can be scaled down towards the
    true counts) and keeps the program bounded."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    columns = sorted({cell for row, _constant in rows for cell in row}, key=repr)
    position = {cell: number for number, cell in enumerate(columns)}
    entries = [(r, position[cell], value) for r, (row, _c) in enumerate(rows) for cell, value in row.items()]
    rows_, cols_, data = zip(*entries, strict=True)
    equations = coo_array((data, (rows_, cols_)), shape=(len(rows), len(columns))).tocsr()
    constants = np.array([constant for _row, constant in rows], dtype=float)
    bounds = [(0, 1) if cell in zeros else (0, None) for cell in columns]
    undecided = set(undecided)
    while undecided:
        objective = np.zeros(len(columns))
        for cell in undecided:
            objective[position[cell]] = -1.0
        result = linprog(objective, A_eq=equations, b_eq=constants, bounds=bounds, method="highs")
        if result.status != 0:
            raise ValueError(f"relations without a non-negative solution ({result.message})")
        positive = {cell for cell in undecided if result.x[position[cell]] > 1e-7}
        if not positive:
            break
        undecided -= positive
    return undecided


def derivable(relations: Iterable[Relation], hidden) -> set:
    """The hidden cells whose exact value follows from the published ones through ``relations``,
    counted as plain linear equations (see ``disclosed`` for the non-negativity).

    Each relation restricted to the hidden cells is a linear equation (the published cells are
    constants). A hidden cell is determined exactly when its unit vector lies in the row space of
    those equations: with the rows reduced (each pivot column zero in every other row), that is
    when its pivot row holds nothing else. Exact rational arithmetic.
    """
    values = defaultdict(int)  # the constants do not matter here
    return _determined(_exact(_equations(relations, values, hidden)))


def _determined(rows):
    """Unit vectors in the row space of ``rows`` (sparse {column: value}), by incremental
    reduction: each basis row has a pivot column that is zero in every other basis row."""
    basis = {}  # pivot column -> row
    columns_in = defaultdict(set)  # column -> pivots of the basis rows holding it
    for row in rows:
        row = dict(row)
        for pivot in [column for column in row if column in basis]:
            factor = row.get(pivot)
            if factor:
                _subtract(row, basis[pivot], factor)
        if not row:
            continue
        pivot = min(row, key=lambda column: (len(columns_in[column]), repr(column)))
        scale = row[pivot]
        row = {column: value / scale for column, value in row.items()}
        for other_pivot in list(columns_in[pivot]):
            other = basis[other_pivot]
            factor = other.get(pivot)
            if factor:
                before = set(other)
                _subtract(other, row, factor)
                for column in before - set(other):
                    columns_in[column].discard(other_pivot)
                for column in set(other) - before:
                    columns_in[column].add(other_pivot)
        basis[pivot] = row
        for column in row:
            columns_in[column].add(pivot)
    return {pivot for pivot, row in basis.items() if len(row) == 1}


def _subtract(row, other, factor):
    for column, value in other.items():
        result = row.get(column, 0) - factor * value
        if result:
            row[column] = result
        else:
            row.pop(column, None)
