"""Django's PostgreSQL backend, with the join columns' types compared once per pair of fields.

On every join it compiles, Django's PostgreSQL backend compares the two columns' database types, to
cast one side when they differ (a text column joined to an integer one). A foreign key's type is
found by building a new model field each time (``BigAutoField.rel_db_type`` instantiates a
``BigIntegerField``), so that comparison was 2 % of the CPU of a candidate's whole application
(``bench/surge_steps.py`` under py-spy) and 92 % of the compilation of the joins. The two types
depend only on the two fields, which live as long as the process: the answer is kept.
"""

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql import base, operations
from django.db.models.functions import Cast


class DatabaseOperations(operations.DatabaseOperations):
    # (lhs field, rhs field) → whether their columns have the same type. Fields are hashable and
    # live as long as their models; the answer is the same on every connection of this backend.
    _join_types_match = {}

    def prepare_join_on_clause(self, lhs_table, lhs_field, rhs_table, rhs_field):
        lhs_expr, rhs_expr = BaseDatabaseOperations.prepare_join_on_clause(
            self, lhs_table, lhs_field, rhs_table, rhs_field
        )
        key = (lhs_field, rhs_field)
        same_type = self._join_types_match.get(key)
        if same_type is None:
            same_type = lhs_field.db_type(self.connection) == rhs_field.db_type(self.connection)
            self._join_types_match[key] = same_type
        if not same_type:
            rhs_expr = Cast(rhs_expr, lhs_field)  # as Django's own backend does
        return lhs_expr, rhs_expr


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
