from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at its cheapest, for tests only (conftest selects it)."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
