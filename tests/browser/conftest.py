"""Fixtures for the browser tests: the built book on a loopback server, JupyterLab, Chromium.

These run after the notebook tests (``make test`` runs them second), so the book build reuses
the notebooks nbval executed (tools/build_book.py). Chromium comes from the system
(tools/install_browser.sh); Playwright drives it. The browser may reach 127.0.0.1 only: every
other request is aborted and reported, and DNS for any other host fails.
"""
from __future__ import annotations

import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
                # everything but loopback (bypassed implicitly) goes to a proxy that is not there
                "--proxy-server=http://127.0.0.1:9"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("D2LITE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return shutil.which(candidate) or candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "no Chromium (run tools/install_browser.sh, or set D2LITE_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


LOOPBACK = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


class PageLog:
    """A browser page whose requests to other hosts are reported; failed requests and console
    errors are collected, and requests in flight are tracked (``settle``).

    With ``intercept`` every request passes through Playwright, which aborts outside ones; that
    also turns off the HTTP cache, so the book's pages (which share one log per worker, and
    whose assets are then cached) only record outside requests: the ``--host-resolver-rules``
    and the dead proxy in ``CHROMIUM_ARGS`` make them fail anyway.
    """

    def __init__(self, browser, viewport=(1280, 900), intercept=True):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.blocked, self.failed, self.errors = [], [], []
        self.in_flight = set()
        if intercept:
            self.context.route("**/*", self._route)
        else:
            self.page.on("request", lambda r: r.url.startswith(LOOPBACK) or self.blocked.append(r.url))
        self.page.on("request", lambda r: self.in_flight.add(r))
        self.page.on("requestfinished", lambda r: self.in_flight.discard(r))
        self.page.on("requestfailed", lambda r: self.in_flight.discard(r))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOOPBACK):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def settle(self, timeout_s: float = 20.0) -> None:
        """Wait until no request of this page is in flight (what ``networkidle`` waits for,
        without its fixed half-second of quiet)."""
        deadline = time.monotonic() + timeout_s
        while self.in_flight:
            if time.monotonic() > deadline:
                raise AssertionError(f"requests still in flight after {timeout_s:.0f} s: "
                                     f"{[r.url for r in self.in_flight][:5]}")
            self.page.wait_for_timeout(25)  # lets Playwright deliver the pending events

    def reset(self) -> None:
        self.blocked.clear(), self.failed.clear(), self.errors.clear()

    def close(self):
        self.context.close()


@pytest.fixture(scope="session")
def _book_log(browser):
    log = PageLog(browser, intercept=False)
    yield log
    log.close()


@pytest.fixture
def page_log(_book_log):
    """The book's pages share one browser tab per worker, so its cache serves the theme's
    assets after the first page; what each test sees is reset before it runs."""
    _book_log.page.goto("about:blank")
    _book_log.reset()
    yield _book_log


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _build_book_once() -> None:
    """Build the book, once per test run even with several xdist workers: the first worker to
    take the lock builds, the others wait for it and reuse its build."""
    from filelock import FileLock

    (ROOT / "_build").mkdir(exist_ok=True)
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # shared by the workers of one run
    stamp = ROOT / "_build" / ".site-built"
    with FileLock(str(ROOT / "_build" / ".site.lock")):
        if run_id and stamp.is_file() and stamp.read_text(encoding="utf-8").startswith(run_id + " ok"):
            return
        stamp.unlink(missing_ok=True)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py")], cwd=ROOT,
                              capture_output=True, text=True)
        if proc.returncode:
            pytest.fail(f"the book build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        print(f"\nbook built in {time.perf_counter() - t:.0f} s; {proc.stdout.splitlines()[0]}")
        if run_id:
            stamp.write_text(f"{run_id} ok\n", encoding="utf-8")


@pytest.fixture(scope="session")
def site():
    """Build the book (reusing executed notebooks), serve it on loopback, yield its base URL."""
    _build_book_once()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a copy of notebooks/ (it autosaves what it runs), on loopback, with its app
    object exposed to the page."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--expose-app-in-browser",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly", "--allow-root"]
    (ROOT / "_build").mkdir(exist_ok=True)
    log = open(ROOT / "_build" / "jupyterlab-test.log", "w")
    # A reader's JupyterLab: not headless (the tests' D2LITE_HEADLESS=1 would keep the sliders'
    # figures out of their Output widgets, see d2lite.Explorer.live).
    env = {k: v for k, v in os.environ.items() if k != "D2LITE_HEADLESS"}
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited early; see {log.name}")
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"JupyterLab did not answer within 60 s; see {log.name}")
    yield base, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def pytest_collection_modifyitems(items):
    """Slow tests first, the page tests last. Under ``-n 2 --dist worksteal`` each worker starts
    on one half of this list: one runs JupyterLab and the build-failure test while the other
    builds the book for its page tests; whoever runs dry steals pages from the other."""
    def rank(item):
        name = item.nodeid
        return (0 if "test_lab.py" in name else 1 if "test_build_failure.py" in name
                else 3 if "test_page_renders_offline" in name else 2)
    items.sort(key=rank)
