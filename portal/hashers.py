"""Password hashing: Argon2id, at the cost OWASP gives as its minimum for Argon2id.

Django's own Argon2 defaults (100 MiB, 8 lanes) cost about 160 ms of two cores per login here: on
opening day, logins alone would take the machine. OWASP's Password Storage Cheat Sheet minimum for
Argon2id (19 MiB of memory, 2 passes, 1 lane) costs about 18 ms, and still makes each guess
memory-hard. The parameters are written in each hash: changing them here re-hashes a password at
its owner's next login, as Django does for older algorithms (PBKDF2 hashes of existing accounts)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
