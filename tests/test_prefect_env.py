"""The temporary Prefect API that `thads run` starts first: when it is started, that it answers, and that
it never outlives the run (stopped at exit, killed with a killed run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from thads.prefect_env import api_configured


@pytest.fixture
def clean_prefect_env(tmp_path, monkeypatch):
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    (tmp_path / "prefect-home").mkdir()
    return tmp_path / "prefect-home"


def test_a_server_is_configured_by_the_environment_or_the_active_profile(clean_prefect_env, monkeypatch):
    assert not api_configured()  # nothing set: the run starts its own
    profiles = clean_prefect_env / "profiles.toml"
    profiles.write_text(textwrap.dedent("""\
        active = "ops"

        [profiles.ops]
        PREFECT_API_URL = "http://10.0.0.5:4200/api"

        [profiles.local]
        PREFECT_LOGGING_LEVEL = "INFO"
        """))
    assert api_configured()  # the active profile names a server
    monkeypatch.setenv("PREFECT_PROFILE", "local")
    assert not api_configured()  # the profile chosen for this run names none
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert api_configured()
    monkeypatch.delenv("PREFECT_API_URL")
    profiles.write_text("this is [not toml")
    assert not api_configured()  # an unreadable profile file is no server


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def test_the_temporary_api_answers_and_dies_with_a_killed_run(clean_prefect_env):
    """A run killed with SIGKILL (no atexit) must not leave its API server behind: the server gets the
    parent-death signal."""
    script = textwrap.dedent("""\
        import time
        from thads.prefect_env import start_temporary_api
        api = start_temporary_api()
        api.wait_ready(timeout=300)
        print(api.process.pid, api.url, flush=True)
        time.sleep(600)
        """)
    env = os.environ | {"PREFECT_HOME": str(clean_prefect_env), "DO_NOT_TRACK": "1",
                        "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    run = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = run.stdout.readline().split()
        assert len(line) == 2, "the temporary API never became ready"
        server_pid, url = int(line[0]), line[1]
        assert _stat(server_pid)[1] == run.pid  # the run's own child
        with urllib.request.urlopen(f"{url}/health", timeout=10) as resp:
            assert resp.status == 200
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(server_pid), "the API server outlived the killed run"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
