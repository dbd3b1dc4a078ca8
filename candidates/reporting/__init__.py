"""Reporting: the figures the portal publishes or hands to its funders, never a person.

- ``suppression``: small-cell suppression (primary below k, complementary until no hidden cell
  below k can be recomputed), pure.
- ``open_data``: the open-data tables per programme season and for all (CSV, JSON and a
  Frictionless ``datapackage.json``), suppressed, stored as a dated release, published nightly.
- ``funders``: the European Social Fund's participant indicators and France Travail's report, as
  XLSX files built by the application exports' task (``candidates.exports``).

It reads applications and what followed them; it writes only its own releases.
"""
