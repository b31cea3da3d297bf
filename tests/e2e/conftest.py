"""Browser tests: a real ``ringfence serve`` on a free loopback port, over a fresh SQLite
database with the demo data, driven by Playwright through Debian's Chromium (installed by
`make browser`; never downloaded by Playwright). Skipped only when playwright is not installed.

Screenshots of each main page go to ``var/screenshots/`` (or RINGFENCE_SCREENSHOTS).

Every test calls :func:`audit` on each page it opens: axe-core (from npm, `make browser`) finds no
serious or critical violation, and the page is no wider than its viewport. Phone-sized pages:
``new_page(**PHONE)``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("RINGFENCE_SCREENSHOTS", ROOT / "var" / "screenshots"))
PASSWORD = "ringfence-demo"
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
#: A 390 px phone (the width of the issue's finding), touch and all.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, served: one server (and one database) per test module."""
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RINGFENCE_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
        "RINGFENCE_RESOLVER_URL": f"{base}/v",
        "RINGFENCE_EVIDENCE_DIR": str(tmp / "evidence"),
        "RINGFENCE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "ringfence"]
    demo = [*command, "demo", "--no-serve"]
    subprocess.run(demo, env=env, check=True, capture_output=True)  # noqa: S603 - our command
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            if process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("ringfence serve did not answer /healthz")
        if process.poll() is not None:
            log.close()
            pytest.fail((tmp / "server.log").read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Any]:
    """Pages in fresh browser contexts (own cookies): ``new_page(locale="fr-FR")``."""
    contexts = []

    def make(**options: Any) -> Any:
        # bypass_csp: the page's own policy would refuse the injected axe-core script.
        context = browser.new_context(base_url=server, bypass_csp=True, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shoot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def audit(page: Any) -> None:
    """Fail when the page is wider than its viewport or axe-core finds a serious or critical
    accessibility violation on it."""
    page.wait_for_load_state()  # a click that posts a form may still be navigating
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide in a {width} px viewport"
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser` (npm ci --prefix tests/e2e)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "; ".join(bad)
