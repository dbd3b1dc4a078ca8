"""Django's PostgreSQL backend, with one cost removed (see base.py). ``ENGINE = "portal.postgresql"``."""
