"""Settings for the test suite: the same as production code paths, with fast hashing."""

import os

os.environ["AFTERSALES_ENV"] = "test"

from aftersales.config.settings import *  # noqa: F403

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
