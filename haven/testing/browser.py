"""Real headless Chromium (Debian's) for browser tests, with JavaScript off by default and a
record of every request, so tests can prove nothing left 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def chromium_page(
    *, javascript: bool = False, locale: str = "ru-RU"
) -> Iterator[tuple[object, list[str]]]:
    """(page, requested_urls). Skips the test if Chromium is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still synchronous and safe, so tell Django not to refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with _browser(sync_playwright, javascript, locale) as result:
            yield result
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def _browser(sync_playwright, javascript: bool, locale: str):  # type: ignore[no-untyped-def]
    with sync_playwright() as p:
        # Headless unless a developer asks to watch (HAVEN_BROWSER_HEADED=1, with a display),
        # optionally slowed down by HAVEN_BROWSER_SLOWMO milliseconds per action.
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=ARGS,
            headless=os.environ.get("HAVEN_BROWSER_HEADED") != "1",
            slow_mo=float(os.environ.get("HAVEN_BROWSER_SLOWMO") or 0),
        )
        context = browser.new_context(java_script_enabled=javascript, locale=locale)
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        try:
            yield page, requested
        finally:
            context.close()
            browser.close()


def only_local(urls: list[str]) -> list[str]:
    """The requests that went anywhere but this machine (should be empty)."""
    return [
        u
        for u in urls
        if urlsplit(u).hostname not in {"127.0.0.1", "localhost"} and not u.startswith("data:")
    ]
