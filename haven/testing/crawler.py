"""A breadth-first crawler over the test client: every same-origin link a signed-in person can
follow from where they start, each GET page rendered once, each failure kept with its URL.

Used by haven/core/tests/test_crawl.py (5xx, invalid template variables) and
haven/core/tests/test_raw_values.py (raw enum values in visible text).
"""

from __future__ import annotations

import os
import re
import time
import traceback
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

from django.core.signals import got_request_exception
from django.test import Client
from django.urls import Resolver404, resolve

# Links a crawler must not follow: they end the session or leave the page it is testing.
SKIP_PREFIXES = ("/static/", "/i18n/", "/exit/", "/leave/", "/staff/logout/")
# A bound per URL shape (route + query keys), so that a list of 300 cases or a pager does not
# turn one page type into 300 requests; the first few of each shape carry the awkward data.
PER_SHAPE = 3


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def same_origin_path(href: str, base: str) -> str | None:
    href, _fragment = urldefrag(href.strip())
    if not href:
        return None
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc != "testserver":
        return None
    path = parts.path
    if not path.startswith("/"):
        path = base.rsplit("/", 1)[0] + "/" + path
    return path + (f"?{parts.query}" if parts.query else "")


def shape(path: str) -> str:
    parts = urlsplit(path)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = parts.path
    keys = sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv})
    return route + "?" + "&".join(keys)


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    body: bytes
    error: str = ""

    @property
    def html(self) -> str:
        return self.body.decode("utf-8", "replace") if "html" in self.content_type else ""


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)

    def failures(self) -> list[str]:
        return [f"{p.status} {p.url}\n{p.error}" for p in self.pages if p.status >= 500]


@contextmanager
def _exceptions() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        seen.append(traceback.format_exc(limit=-6))

    got_request_exception.connect(record)
    try:
        yield seen
    finally:
        got_request_exception.disconnect(record)


def crawl(client: Client, start: Iterable[str], *, limit: int = 400) -> Crawl:
    """Render every GET page reachable from `start` through links (at most `limit` pages)."""
    client.raise_request_exception = False
    result = Crawl()
    queue = deque(start)
    seen: set[str] = set(queue)
    shapes: dict[str, int] = {}
    with _exceptions() as errors:
        while queue and len(result.pages) < limit:
            url = queue.popleft()
            before = len(errors)
            started = time.monotonic()
            response = client.get(url)
            if os.environ.get("HAVEN_CRAWL_LOG"):
                with open(os.environ["HAVEN_CRAWL_LOG"], "a") as log:
                    log.write(f"{time.monotonic() - started:6.2f}s {response.status_code} {url}\n")
            body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
            page = Page(url, response.status_code, response.get("Content-Type", ""), body)
            if len(errors) > before:
                page.error = errors[-1]
                if os.environ.get("HAVEN_CRAWL_LOG"):
                    with open(os.environ["HAVEN_CRAWL_LOG"], "a") as log:
                        log.write(page.error + "\n")
            result.pages.append(page)
            if response.status_code in (301, 302, 303) and response.get("Location"):
                targets = [response["Location"]]
            else:
                targets = links(page.html)
            for href in targets:
                path = same_origin_path(href, url.split("?", 1)[0])
                if path is None or path in seen or path.startswith(SKIP_PREFIXES):
                    continue
                key = shape(path)
                if shapes.get(key, 0) >= PER_SHAPE:
                    continue
                shapes[key] = shapes.get(key, 0) + 1
                seen.add(path)
                queue.append(path)
    return result


_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def visible_text(html: str) -> str:
    """What a reader sees: tags (with their attribute values, URLs, option values) removed."""
    import html as html_module

    return html_module.unescape(_TAGS.sub(" ", html))


STAFF_PERSONAS = (
    "operator",
    "caseworker",
    "coordinator",
    "lawyer",
    "docofficer",
    "admin",
    "outsider",
)
STAFF_START = ("/staff/", "/staff/notifications/")
# The last crawl of each language in this test process: rendered pages are plain data, so the
# raw-value test reads the pages the crawler test already rendered instead of crawling again.
LAST_CRAWL: dict[str, dict[str, Crawl]] = {}


def staff_client(user: Any, lang: str) -> Client:
    from haven.testing.personas import sign_in

    client = sign_in(Client(), user)
    client.cookies["haven_lang"] = lang
    return client


def portal_client(codename: str, lang: str) -> Client:
    from haven.intake.forms import form_token

    client = Client()
    entered = client.post(
        f"/enter/?lang={lang}", {"codename": codename, "form_token": form_token()}
    )
    assert entered.status_code == 302, entered.content[:500]
    return client


def crawl_everyone(world: Any, personas: Any, lang: str) -> dict[str, Crawl]:
    """Every staff persona from the staff home, two people signed in on the portal with their
    codenames (one whose request became a case), and an anonymous visitor of the portal."""
    results = {}
    for name in STAFF_PERSONAS:
        results[name] = crawl(staff_client(getattr(personas, name), lang), STAFF_START)
    for key in ("codename", "opened_codename"):
        results[f"portal ({key})"] = crawl(
            portal_client(world.made[key], lang),
            (f"/inbox/?lang={lang}", f"/checkin/?lang={lang}", f"/?lang={lang}"),
        )
    results["anonymous portal"] = crawl(Client(), (f"/?lang={lang}", f"/help/?lang={lang}"))
    LAST_CRAWL[lang] = results
    return results
