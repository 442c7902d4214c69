"""The root conftest.py: with PARKPORTAL_REQUIRE_SERVICES=1 a skip fails."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = """
import pytest

def test_runs():
    pass

@pytest.mark.skip(reason="no broker configured")
def test_marked_skip():
    pass

def test_skips_inside():
    pytest.skip("no PostgreSQL here")

@pytest.mark.xfail(reason="a known gap", strict=True)
def test_expected_failure():
    assert False
"""


def _pytest_in(folder: Path, require: str) -> subprocess.CompletedProcess:
    (folder / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    (folder / "test_sample.py").write_text(SAMPLE)
    env = {**os.environ, "PARKPORTAL_REQUIRE_SERVICES": require}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_are_only_skips_without_the_variable(tmp_path):
    result = _pytest_in(tmp_path, "")

    assert result.returncode == 0, result.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in result.stdout


def test_each_skip_fails_with_its_reason_when_services_are_required(tmp_path):
    result = _pytest_in(tmp_path, "1")

    assert result.returncode == 1
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in result.stdout
    for reason in ("no broker configured", "no PostgreSQL here"):
        assert (
            f"skipped although PARKPORTAL_REQUIRE_SERVICES=1: Skipped: {reason}"
            in result.stdout
        )
