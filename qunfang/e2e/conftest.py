"""Real-browser harness: Playwright (Python) drives Debian's chromium against a live server.

No browser is ever downloaded: the executable is /usr/bin/chromium (or QUNFANG_CHROMIUM).
Where it is absent the browser tests skip with a reason in the summary; CI sets
QUNFANG_REQUIRE_BROWSER=1, which turns that skip into a failure.
Screenshots land in test-output/browser/.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.env import env_bool
from qunfang.org.testing import PASSWORD, Cast, build_cast

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"
# Flags that keep chromium off the network in a closed sandbox (see the machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    configured = os.environ.get("QUNFANG_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    if env_bool("QUNFANG_REQUIRE_BROWSER", False):
        return  # let the fixture fail loudly
    skip = pytest.mark.skip(reason="浏览器测试已跳过：未找到 chromium（make browser 可安装）")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    path = chromium_path()
    if path is None:
        pytest.fail("QUNFANG_REQUIRE_BROWSER=1 but chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in the server's own thread, but fixtures here touch the ORM too.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_cast(transactional_db) -> Cast:
    """The cast, rebuilt: live-server tests run in a flushed database."""
    return build_cast()


@pytest.fixture
def phone(browser, live_server, request) -> Iterator:
    """A phone-sized page on the live server; a screenshot is saved when the test ends."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in, and wait until the page says who is signed in: a failed login stays on the
    login page, which a URL check alone would not tell apart (it also ends in "/")."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("header .account .who")).to_have_text(username)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
