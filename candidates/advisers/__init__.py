"""Advisers who orient people (France Travail, Missions locales, PLIE, Cap emploi, associations):
their organisations and members (``models``), the people they support and the applications they
prepare with and for them (``services``, ``consent``), the attestations of an habilitée
organisation (``attestations``), and the adviser space (``views``, ``forms``, ``urls``).
The models are the ``candidates`` app's (registered by ``candidates.models``)."""
