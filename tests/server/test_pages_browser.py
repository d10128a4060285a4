"""End to end: start the server, load every page in headless Chromium, no console errors, no broken links.

Uses Debian's `chromium` (never a downloaded browser), driven by playwright. CI installs chromium in .ci/run;
without it this test fails with instructions rather than skipping.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import uvicorn

from server.app import create_app
from tests.conftest import REPO

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-output"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed, so the pages cannot be checked in a browser: "
            "run `apt-get install -y chromium` (CI does this in .ci/run)"
        )
    return path


def test_pages_in_chromium_no_console_errors_no_broken_links(base_url: str, chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

            to_visit, seen_pages, other_links, external = [base_url], set(), set(), set()
            while to_visit:
                url = to_visit.pop()
                if url in seen_pages:
                    continue
                seen_pages.add(url)
                response = page.goto(url)
                assert response is not None
                assert response.status == 200, url
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                    target = urldefrag(urljoin(url, href)).url
                    if not target.startswith(base_url):
                        external.add(target)
                    elif target.endswith(".html") or target == base_url:
                        to_visit.append(target)
                    else:
                        other_links.add(target)
            for target in sorted(other_links):  # JSON, XML, package.tgz
                got = page.request.get(target)
                assert got.status == 200, target
                assert got.body(), target
            assert all(urlsplit(u).scheme == "https" and urlsplit(u).netloc == "doi.org" for u in external), external

            page.goto(base_url)
            shot = tmp_path / "overview.png"
            page.screenshot(path=str(shot), full_page=True)
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(shot, ARTIFACTS / "overview.png")
            print(f"\nscreenshot of the overview: {shot} (copy in {ARTIFACTS / 'overview.png'})")  # noqa: T201

            phone = browser.new_page(viewport={"width": 390, "height": 844})
            for name in ("", "PlanDefinition-ldn-ssri-cds.html", "traceability.html"):
                phone.goto(base_url + name)
                overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{name or 'overview'} scrolls sideways on a phone by {overflow}px"
            phone.screenshot(path=str(ARTIFACTS / "traceability-phone.png"))
        finally:
            browser.close()

    assert len(seen_pages) >= 45
    assert len(other_links) >= 80
    assert len(external) >= 7
    assert errors == []
