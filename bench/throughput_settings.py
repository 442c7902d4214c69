"""parkportal's production settings with sessions in signed cookies, so
that a throughput run signs its reader in without writing a session row:
bench/throughput.py can then run against a database opened read-only."""

from parkportal.settings import *  # noqa: F403

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
