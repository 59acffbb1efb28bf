"""Prefect settings the project needs, applied before Prefect is imported.

Telemetry is off (the machines that run this have no internet). Without PREFECT_API_URL, Prefect starts
a temporary local server per process: slow to start on 2 cores, so the timeout is raised and its
database kept under the state folder (a fresh database costs seconds more each time).
"""

from __future__ import annotations

import os

from thads.settings import Settings


def configure(settings: Settings) -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", str(settings.state_dir / "prefect"))
    os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.3")
    os.environ.setdefault("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
