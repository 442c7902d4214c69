"""Settings for the test suite: the project's own, with a throwaway secret,
a fast password hasher, mail kept in memory and files in a temporary
folder. DATABASE_URL and CELERY_BROKER_URL still come from the
environment, so the same suite runs on SQLite and on PostgreSQL."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "parkportal-test-secret-key-not-for-production-use")

from parkportal.settings import *  # noqa: E402,F403
from parkportal.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_DOCUMENTS = tempfile.mkdtemp(prefix="parkportal-test-documents-")
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _DOCUMENTS},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = _DOCUMENTS
LANGUAGE_CODE = "en"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Django's test client signs in without a request, which django-axes
# refuses; tests of the lockout switch it back on with override_settings.
AXES_ENABLED = False
