"""The typed environment readers behind parkportal/settings.py."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from parkportal.env import (
    database_from_url,
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_str,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw", ["1", "true", "Yes", " on "])
def test_env_bool_reads_true_words(monkeypatch, raw):
    monkeypatch.setenv("PP_FLAG", raw)

    assert env_bool("PP_FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "NO", "off", ""])
def test_env_bool_reads_false_words(monkeypatch, raw):
    monkeypatch.setenv("PP_FLAG", raw)

    assert env_bool("PP_FLAG", True) is False


def test_env_bool_refuses_anything_else_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PP_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="PP_FLAG must be a boolean"):
        env_bool("PP_FLAG")


def test_env_readers_fall_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("PP_UNSET", raising=False)

    assert env_str("PP_UNSET", "x") == "x"
    assert env_bool("PP_UNSET", True) is True
    assert env_int("PP_UNSET", 7) == 7
    assert env_decimal("PP_UNSET", "1.50") == Decimal("1.50")
    assert env_list("PP_UNSET", "a, b") == ["a", "b"]


def test_env_int_refuses_a_word(monkeypatch):
    monkeypatch.setenv("PP_SIZE", "ten")

    with pytest.raises(ImproperlyConfigured, match="PP_SIZE must be an integer"):
        env_int("PP_SIZE", 1)


@pytest.mark.parametrize("raw", ["lots", "NaN", "Infinity"])
def test_env_decimal_refuses_what_is_not_an_amount(monkeypatch, raw):
    monkeypatch.setenv("PP_AMOUNT", raw)

    with pytest.raises(ImproperlyConfigured, match="PP_AMOUNT must be a decimal"):
        env_decimal("PP_AMOUNT", "0")


def test_env_list_drops_blanks_and_spaces(monkeypatch):
    monkeypatch.setenv("PP_HOSTS", " a.example.com, ,b.example.com ,")

    assert env_list("PP_HOSTS") == ["a.example.com", "b.example.com"]


def test_database_url_for_postgresql_carries_every_part():
    config = database_from_url(
        "postgres://park%40user:p%2Fss@db.internal:6543/park%20portal?sslmode=require"
    )

    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "park portal",
        "USER": "park@user",
        "PASSWORD": "p/ss",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


def test_database_url_without_credentials_or_port_leaves_them_empty():
    config = database_from_url("postgresql://127.0.0.1/parkportal")

    assert (config["USER"], config["PASSWORD"], config["PORT"]) == ("", "", "")
    assert config["NAME"] == "parkportal"


def test_database_url_for_sqlite_takes_an_absolute_path():
    config = database_from_url("sqlite:////srv/parkportal/db.sqlite3")

    assert config == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/parkportal/db.sqlite3",
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/parkportal", "scheme 'mysql' is not supported"),
        ("postgres://postgres@localhost:5432/", "must name a database"),
        ("postgres://postgres@localhost:port/parkportal", "invalid port"),
    ],
)
def test_database_url_refuses_what_it_cannot_use(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def _clean_environment(environment: dict) -> dict:
    """The environment without the settings' own variables, plus these."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, **environment}


def _load_settings(**environment) -> subprocess.CompletedProcess:
    # The settings module reads the environment once, at import: a fresh
    # interpreter is the honest way to load it again.
    env = _clean_environment(environment)
    return subprocess.run(
        [sys.executable, "-c", "import parkportal.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    result = _load_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_refuse_a_mistyped_debug_flag():
    result = _load_settings(DEBUG="ture", SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_settings_start_in_development_without_any_variable():
    result = _load_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_settings_refuse_to_keep_idempotency_answers_less_than_a_day():
    result = _load_settings(DEBUG="1", IDEMPOTENCY_RETENTION_HOURS="12")

    assert result.returncode != 0
    assert "IDEMPOTENCY_RETENTION_HOURS must be 24 or more" in result.stderr


def _manage(*arguments, **environment) -> subprocess.CompletedProcess:
    env = _clean_environment(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_makemigrations_check_runs_without_the_production_secret():
    result = _manage("makemigrations", "--check", "--dry-run", DEBUG="false")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_other_commands_still_name_the_missing_secret():
    result = _manage("check", "--deploy", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
