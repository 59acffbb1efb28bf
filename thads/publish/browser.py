"""The system Chromium: find it, print the page to PDF, export the charts to PNG (kaleido).

Nothing here downloads a browser. Debian's `chromium` package is found on PATH; `THADS_NO_BROWSER=1`
pretends there is none (to test the HTML-only path). Both outputs run offline: the PDF run maps every
host name to nothing (`--host-resolver-rules`), and kaleido is given the plotly.js of the installed plotly
package and no MathJax (its default would come from a CDN).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go

log = logging.getLogger(__name__)

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

INSTALL_HINT = "apt-get install chromium"

# Flags for every headless run: no first-run UI, no background traffic, no sandbox (containers, root).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    # offline: every host name resolves to nothing, so the page can fetch nothing from the network
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

# The A4 printable width (210 mm less 2 × 10 mm margins ≈ 718 CSS px): the page is laid out at this
# width before printing, so the charts are drawn to fit the paper.
PRINT_WINDOW = "718,1200"


class BrowserError(RuntimeError):
    pass


def find_browser() -> str | None:
    """The system Chromium's path, or None (also when THADS_NO_BROWSER=1)."""
    if os.environ.get("THADS_NO_BROWSER", "").strip() not in ("", "0"):
        return None
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_command(browser: str, profile: Path, html: Path, output: list[str], *, budget_ms: int = 10_000) -> list[str]:
    """The Chromium command that prints the page: the page laid out at the A4 printable width, its
    scripts given `budget_ms` of virtual time to draw every chart. `output` is `--print-to-pdf=…` (or,
    in the tests, `--dump-dom` to see the page exactly as it is printed)."""
    return [browser, *HEADLESS_FLAGS, f"--user-data-dir={profile}", f"--window-size={PRINT_WINDOW}",
            f"--virtual-time-budget={budget_ms}", "--run-all-compositor-stages-before-draw", *output,
            html.resolve().as_uri()]


def print_pdf(browser: str, html: Path, pdf: Path, *, timeout: float = 120, budget_ms: int = 10_000) -> float:
    """Print `html` to `pdf` with headless Chromium; returns the seconds it took.

    `--virtual-time-budget` lets the page's scripts (plotly drawing every chart) run to completion
    before the print; the window width is the A4 printable width so the charts fit the paper.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="thads-chromium-") as profile:
        cmd = print_command(browser, Path(profile), html, ["--no-pdf-header-footer", f"--print-to-pdf={pdf}"],
                            budget_ms=budget_ms)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium did not print {html.name} within {timeout:.0f} s") from exc
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = "\n".join((proc.stderr or "").strip().splitlines()[-5:])
        raise BrowserError(f"Chromium could not print {html.name} to PDF (exit {proc.returncode}): {tail}")
    return time.perf_counter() - start


def start_png_browser(browser: str, *, timeout: float = 90) -> None:
    """Start kaleido's browser now, in the background, so it is ready when the PNGs are drawn.

    The nightly run calls it before the warehouse build: Chromium's ~1.5 s start then overlaps the build
    instead of adding to the publish. `write_pngs` uses it (as it uses a notebook's); `stop_png_browser`
    closes it.
    """
    import kaleido

    kaleido.start_sync_server(path=browser, mathjax=False, timeout=timeout, headless=True, silence_warnings=True)


def stop_png_browser() -> None:
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


def write_pngs(browser: str, figures: list[tuple[go.Figure, Path]], *, width: int = 1000, scale: float = 1.5,
               timeout: float = 90) -> float:
    """Export every figure to its PNG with ONE headless browser for the whole batch; returns the seconds.

    kaleido's `write_fig_from_object` over a list opens one Kaleido (one Chromium) for all of them. When a
    notebook already runs kaleido's global sync server, that server is used instead (and left running).
    """
    import kaleido  # imported here: it starts nothing on import, but it is only needed for PNGs

    start = time.perf_counter()
    specs = [dict(fig=fig, path=str(path),
                  opts=dict(format="png", width=width, height=int(fig.layout.height or 450), scale=scale))
             for fig, path in figures]
    server = getattr(kaleido, "_global_server", None)
    if server is not None and server.is_running() and not server._thread.is_alive():
        kaleido.stop_sync_server(silence_warnings=True)  # its browser failed to start: use a fresh one
    if server is not None and server.is_running():
        kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
    else:
        kaleido.write_fig_from_object_sync(
            specs, cancel_on_error=True,
            kopts=dict(path=browser, mathjax=False, timeout=timeout, headless=True))
    missing = [p for _, p in figures if not p.exists() or p.stat().st_size == 0]
    if missing:
        raise BrowserError(f"kaleido wrote no image for {', '.join(p.name for p in missing)}")
    return time.perf_counter() - start
