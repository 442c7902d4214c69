"""Hooks for the whole suite.

With PARKPORTAL_REQUIRE_SERVICES=1 (CI's run against PostgreSQL, Redis and
Celery) a skipped test fails instead, with its skip reason: a test that
skips there proves nothing, and a green run must mean every test ran.
"""

import os

import pytest

REQUIRE_SERVICES = "PARKPORTAL_REQUIRE_SERVICES"


def _services_required() -> bool:
    return os.environ.get(REQUIRE_SERVICES, "").strip() == "1"


def _skip_reason(report) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    return str(report.longrepr)


def _fail_skip(report):
    reason = _skip_reason(report)
    report.outcome = "failed"
    report.longrepr = f"skipped although {REQUIRE_SERVICES}=1: {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # An expected failure is reported as skipped too; it is not a skip.
    if _services_required() and report.skipped and not hasattr(report, "wasxfail"):
        return _fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    # A whole module skipped at import (pytest.importorskip, a module-level
    # skip) is caught here.
    if _services_required() and report.skipped:
        return _fail_skip(report)
    return report


def pytest_report_header(config):
    if _services_required():
        return f"{REQUIRE_SERVICES}=1: a skipped test fails the run"
    return None
