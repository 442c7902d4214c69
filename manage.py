#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import importlib
import os
import secrets
import sys

# These read only the code and the migration files and sign nothing, so
# they run without the production secret (`makemigrations --check` in CI
# and in review). `check` is not among them: `check --deploy` must see the
# real key.
KEYLESS_COMMANDS = frozenset({"makemigrations", "showmigrations", "sqlmigrate"})


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")
    if sys.argv[1:2] and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    from django.core.exceptions import ImproperlyConfigured

    try:
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ImproperlyConfigured as error:
        # Django keeps a settings error to itself so that `help` still
        # answers, then fails on "Models aren't loaded yet", which names
        # nothing. Say which setting is wrong instead.
        sys.exit(f"parkportal settings: {error} (docs/configuration.md)")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
