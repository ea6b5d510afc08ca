"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live server.

No browser is downloaded (`playwright install` cannot work on our network): the tests use the system
Chromium at /usr/bin/chromium (`apt-get install -y chromium`).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

# Playwright's sync API runs an event loop in the test thread; without this Django refuses ORM calls
# made from the test (SynchronousOnlyOperation). Only the browser tests set it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESK_VIEWPORT = {"width": 1440, "height": 900}
TABLET_VIEWPORT = {"width": 768, "height": 1024}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = (
            f"The browser tests need Debian's Chromium at {CHROMIUM}: run `apt-get install -y chromium` "
            "(Playwright's own browser download does not work here)."
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    # A transactional test empties every table afterwards, the role groups of the data migration too.
    for name in ("Front desk", "Housekeeping", "Manager"):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def fast_board(settings):
    settings.BOARD_REFRESH_SECONDS = 2
    return settings


@pytest.fixture
def desk_page(browser, live_server):
    context = browser.new_context(viewport=DESK_VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet_page(browser, live_server):
    context = browser.new_context(
        viewport=TABLET_VIEWPORT,
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str, *, full_page: bool = False, of=None) -> Path:
    """Save what the page (or one element, `of`) looks like under var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    if of is not None:
        of.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def has_no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
