"""`haven report summary [--from DATE --to DATE] [--region R] [--json]`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.cases.public import match_region
from haven.reports.figures import Period, summary


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Headline figures with small counts suppressed, as published in reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["summary"])
        parser.add_argument("--from", dest="start")
        parser.add_argument("--to", dest="end")
        parser.add_argument(
            "--region", default="", help="a region code (RU-CE) or its exact name, e.g. Chechnya"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        region = ""
        if options["region"]:
            region = match_region(options["region"]) or ""
            if not region:
                raise CommandError(
                    f"not a region of the list: {options['region']} (a code such as RU-CE, or "
                    "the exact name)"
                )
        period = Period(
            _date(options["start"]) if options["start"] else None,
            _date(options["end"]) if options["end"] else None,
            region,
        )
        if period.start and period.end and period.start > period.end:
            raise CommandError("--from is after --to")
        data = summary(period)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return

        def show(value: Any) -> str:
            if not isinstance(value, dict):
                return str(value)
            return (
                f"fewer than {value['below']}"
                if value["below"]
                else "hidden (protects a small count)"
            )

        self.stdout.write(
            f"Period: {data['period']}   (counts from 1 to {data['k'] - 1} are shown as 'fewer than {data['k']}')"
        )
        self.stdout.write(f"Relocated:               {show(data['relocated'])}")
        self.stdout.write(f"  abroad:                {show(data['relocated_abroad'])}")
        self.stdout.write(f"  within the country:    {show(data['relocated_in_country'])}")
        self.stdout.write(f"Countries reached:       {show(data['countries_count'])}")
        for country, value in data["countries"].items():
            self.stdout.write(f"  {country}: {show(value)}")
