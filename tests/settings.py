"""Test settings: the real settings with jobs run in-process and a fast password hasher."""

from ipcity.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)

# Assertions read English msgids; tests of the Chinese default switch it on themselves
# (the `chinese_default` fixture in tests/conftest.py).
LANGUAGE_CODE = "en"

# Administrators must enrol an authenticator before anything else; the personas (alice is an
# office administrator) would all be sent to enrolment. The identity tests turn it back on.
IPCITY_TOTP_ENFORCE = False

# One cache per pytest-xdist worker: the file cache's counters (sign-in attempts in flight, rate
# limits, once-only form tokens) are not atomic across processes, and two workers signing in
# the same persona at the same moment must not count each other's attempts.
if not REDIS_URL:  # noqa: F405
    import os as _os

    CACHES["default"]["LOCATION"] = str(  # noqa: F405
        VAR_DIR / f"cache-{_os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
    )
