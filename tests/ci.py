"""Whether the suite runs under CI (CI=true): there a missing browser, database or Redis fails
the tests that need it instead of skipping them."""

import os


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
