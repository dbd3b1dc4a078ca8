"""The candidates side of the admin, one module per concept:

- ``applications``: the applications list and page, and the records around them;
- ``decisions``: the decision buttons and bulk actions (forms shared with the centre);
- ``pages``: what the application page shows beside its fields;
- ``filters``: the list's filters;
- ``screening``: screenings, criterion checks, batch re-screenings;
- ``rules``: eligibility rules (versioned; their action re-screens);
- ``sessions``: sessions, written through the seat service;
- ``exports``, ``dashboard``: the list's exports and the programme dashboard;
- ``advisers``: orienting organisations (habilitation, invitations), members, supports;
- ``reporting``: the funders' reports, the trainees' follow-ups, the open data releases.
"""

from . import advisers, applications, exports, reporting, rules, screening, sessions  # noqa: F401 — they register their ModelAdmins
