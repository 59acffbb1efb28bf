"""Prefect settings the project needs, applied before Prefect is imported, and its temporary API server.

Telemetry is off (the machines that run this have no internet). Without PREFECT_API_URL, Prefect starts
a temporary local server per process: slow to start on 2 cores, so the timeout is raised and its
database kept under the state folder (a fresh database costs seconds more each time).
"""

from __future__ import annotations

import atexit
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

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


def api_configured() -> bool:
    """True when Prefect will talk to a server someone set up (environment or the active profile)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH")
                    or Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")) / "profiles.toml")
    try:
        data = tomllib.loads(profiles.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or data.get("active", "ephemeral")
    return bool(data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


class TemporaryApi:
    """Prefect's temporary API server, started at the top of `thads run` rather than at the flow's first
    API call.

    Prefect would start the same server (the same uvicorn command as its SubprocessASGIServer) only when
    the flow first needs the API, after this process has spent ~10 s importing Prefect, GX and polars,
    and it would first import Prefect's server code here as well. Started first, the server boots on the
    other core while this process imports, which takes about 10 s off every run. The server dies with
    this process (parent-death signal), so a killed run leaves no server behind.
    """

    def __init__(self, port: int, process: subprocess.Popen):
        self.port = port
        self.process = process
        self.url = f"http://127.0.0.1:{port}/api"

    @classmethod
    def start(cls) -> "TemporaryApi":
        spec = importlib.util.find_spec("prefect")
        app_dir = Path(spec.origin).parent.parent  # as Prefect does: --app-dir <site-packages>
        # The socket is bound here and handed over (`--fd`): the port is ours from the start, so no other
        # process can take it between choosing it and the server's bind.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            port = sock.getsockname()[1]
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
                 "prefect.server.api.server:create_app", "--fd", str(sock.fileno()),
                 "--log-level", "error", "--lifespan", "on"],
                env=os.environ | {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                                  "PREFECT__SERVER_FINAL": "1"},
                stdout=subprocess.DEVNULL, pass_fds=[sock.fileno()], preexec_fn=_die_with_parent,
            )
        api = cls(port, process)
        atexit.register(api.stop)
        return api

    def wait_ready(self, timeout: float) -> None:
        """Block until the server answers its health check; a clear error when it died or never answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {self.process.returncode} "
                                   f"before it was ready (port {self.port})")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the temporary Prefect server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_temporary_api() -> TemporaryApi | None:
    """Start the temporary server now and point this process's Prefect at it (call before importing
    Prefect); None when a Prefect server is configured, which the run then uses as it is."""
    if api_configured():
        return None
    api = TemporaryApi.start()
    os.environ["PREFECT_API_URL"] = api.url
    os.environ["PREFECT_UI_URL"] = ""  # it serves no UI: no "View at http://…" line for a page that never was
    return api


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when the parent dies (a no-op elsewhere)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
