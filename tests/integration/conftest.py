"""Tests that need the real services (PostgreSQL, Redis, a Celery worker).
Each module marks itself `integration` and skips only when DATABASE_URL
does not point at PostgreSQL."""
