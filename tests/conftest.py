"""Shared test fixtures: one generated inbox and one real nightly run per pytest session.

Generating data and starting Prefect are the slow parts, so every test that needs a realistic
warehouse shares the same one (`nightly_run`). Tests on hand-made data build their own small files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

# Prefect reads its settings at import: isolate it before anything imports it.
# Test modules also import this file as `tests.conftest` (a second module object): share one root.
if "THADS_TEST_SESSION_ROOT" not in os.environ:
    os.environ["THADS_TEST_SESSION_ROOT"] = tempfile.mkdtemp(prefix="thads-tests-")
_SESSION_ROOT = Path(os.environ["THADS_TEST_SESSION_ROOT"])
os.environ.setdefault("PREFECT_HOME", str(_SESSION_ROOT / "prefect"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("THADS_PSEUDONYM_KEY_FILE", str(_SESSION_ROOT / "config" / "pseudonym.key"))

SAMPLE_AS_OF = date(2026, 6, 30)
SAMPLE_CASES = 3000
SAMPLE_SEED = 7
SAMPLE_DEFECTS = 0.01


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def session_root() -> Path:
    return _SESSION_ROOT


@pytest.fixture(scope="session")
def generated_inbox(session_root) -> Path:
    """A generated batch with a few defects: the realistic data of the whole test session."""
    from thads.generate import generate_batch

    inbox = session_root / "inbox"
    generate_batch(inbox, n_cases=SAMPLE_CASES, seed=SAMPLE_SEED, as_of=SAMPLE_AS_OF,
                   defect_rate=SAMPLE_DEFECTS, progress=False)
    return inbox


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the session (starting one costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def make_settings(root: Path, inbox: Path):
    from thads.settings import Settings

    return Settings(
        data_dir=root,
        inbox=inbox,
        warehouse=root / "warehouse" / "thads.duckdb",
        exports=root / "exports",
        state_dir=root / "state",
        audit_dir=root / "audit",
        key_file=Path(os.environ["THADS_PSEUDONYM_KEY_FILE"]),
        reference_dir=Path(__file__).resolve().parent.parent / "data" / "reference",
    )


def run_nightly(settings, as_of: date | None = None, monkeypatch=None, full: bool = False):
    """Run the real `nightly` flow in this process (against the session's Prefect server), with the
    paths of `settings` given through the environment as an operator would."""
    from flows.nightly import nightly

    env = settings.path_env()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return nightly(as_of=as_of.isoformat() if as_of else None, full=full)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def nightly_run(session_root, generated_inbox, prefect_harness):
    """The shared warehouse: a real nightly run over the generated inbox."""
    settings = make_settings(session_root / "live", generated_inbox)
    report = run_nightly(settings)
    return settings, report
