"""Haven's form rendering against Django's own, on the real staff pages (issue 16).

    uv run python -u bench/form_rendering.py --data-dir /tmp/perfcases/d1k --rounds 30

The case list and a case page, requested through Django's test client as the coordinator of
bench/cases_scale.py's installation (built there with `--cases 1000 --staff 5 --data-dir DIR`;
built here if DIR holds none). Alternating request by request in the same process: "Django" is
the stock form renderer (`django.forms.renderers.DjangoTemplates`) with Django's `Select` drawing
every select; "Haven" is `haven.core.widgets.QuickRenderer` with `QuickSelect`, what the settings
ship. Both must give the same page (checked as parsed HTML, apart from the CSRF token: Django's
select template puts each option on its own indented line); the medians are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    data = Path(args.data_dir)
    if not (data / "haven.sqlite3").exists():
        subprocess.run(
            [sys.executable, "-u", str(HERE / "cases_scale.py"), "--cases", "1000", "--staff", "5"]
            + ["--data-dir", str(data), "--pages", "list", "--runs", "1"],
            check=True,
        )
    os.environ["HAVEN_DATA_DIR"] = str(data)
    os.environ.setdefault("HAVEN_ARGON2_OPSLIMIT", "1")
    os.environ.setdefault("HAVEN_ARGON2_MEMLIMIT", str(8 * 1024 * 1024))
    sys.path.insert(0, str(HERE))
    from _django import setup

    setup()
    from django import forms
    from django.conf import settings
    from django.forms import renderers
    from django.test import Client
    from django.test.html import parse_html

    from haven.accounts.models import User
    from haven.cases.models import Case
    from haven.core.widgets import QuickSelect
    from haven.testing.personas import sign_in

    ours = QuickSelect.render
    # The country selects (LanguageChoicesSelect, options drawn once per language), where the
    # measured code has them.
    from haven.core import widgets

    language_select = getattr(widgets, "LanguageChoicesSelect", None)
    ours_language = language_select.render if language_select else None

    def use(stock: bool) -> None:
        QuickSelect.render = forms.Select.render if stock else ours  # type: ignore[method-assign]
        if language_select is not None:
            language_select.render = forms.Select.render if stock else ours_language
        settings.FORM_RENDERER = (
            "django.forms.renderers.DjangoTemplates"
            if stock
            else "haven.core.widgets.QuickRenderer"
        )
        renderers.get_default_renderer.cache_clear()

    client = sign_in(Client(), User.objects.get(username="benchcoord"), "bench password long")
    newest = Case.objects.order_by("-updated_at").values_list("id", flat=True).first()
    pages = {"case list": "/staff/cases/", "case page": f"/staff/cases/{newest}/"}
    times: dict[tuple[str, bool], list[float]] = {(p, s): [] for p in pages for s in (True, False)}
    bodies: dict[tuple[str, bool], str] = {}
    for stock in (True, False):  # warm both
        use(stock)
        for url in pages.values():
            client.get(url)
    for _ in range(args.rounds):
        for stock in (True, False):
            use(stock)
            for page, url in pages.items():
                began = time.perf_counter()
                response = client.get(url)
                times[(page, stock)].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                bodies[(page, stock)] = CSRF.sub("", response.content.decode())
    use(False)
    same = True
    for page in pages:
        django_ms = statistics.median(times[(page, True)])
        haven_ms = statistics.median(times[(page, False)])
        identical = parse_html(bodies[(page, True)]) == parse_html(bodies[(page, False)])
        same &= identical
        print(
            f"{page}: Django's rendering p50 {django_ms:.1f} ms, Haven's {haven_ms:.1f} ms "
            f"({haven_ms / django_ms:.2f}x); same page: {'yes' if identical else 'NO'}"
        )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
