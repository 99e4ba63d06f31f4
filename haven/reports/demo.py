"""Two years of synthetic case history, so that the statistics page shows real figures.

A few hundred past cases, created over the last two years, each taken through the pipeline
with the number of days it spent in each stage drawn from plausible ranges, and a realistic mix
of where they ended: relocated abroad (several countries) or within the country, still waiting
in every stage, rejected at vetting, withdrawn, missing, detained, deceased. They are written by
one action (`haven.cases.actions.record_past_cases`: a vault per case, every path checked
against the pipeline, one audit event) in bulk, so `haven demo` stays quick. Nobody in these
cases has a name: the named demo people live in haven/cases/demo.py. A fixed seed makes every
demo the same, relative to the day it is loaded.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from haven.core.demo import DemoContext

SEED = 13
CASES = 320
DAYS = 730
REGIONS = ["RU-CE"] * 6 + ["RU-DA"] * 2 + ["RU-IN", "RU-KB", "RU-MOW"]  # haven.cases.regions codes
COUNTRIES = ["DE"] * 5 + ["NL"] * 3 + ["CA"] * 3 + ["FR"] * 2 + ["SE"] * 2 + ["LT", "GE"]
# Days a case spends in a stage: (shortest, longest).
STAY = {
    "intake": (0.2, 6),
    "vetting": (1, 20),
    "planning": (3, 40),
    "in_transit": (1, 6),
    "sheltered": (10, 120),
    "documents": (20, 150),
    "departed": (20, 200),
    "resettled": (30, 300),
}
# Where a past case ended up (weight, outcome, path from intake).
STORIES: list[tuple[int, str, list[str]]] = [
    (30, "abroad", ["vetting", "planning", "sheltered", "documents", "departed", "resettled"]),
    (12, "abroad", ["vetting", "planning", "in_transit", "sheltered", "documents", "departed"]),
    (8, "abroad", ["vetting", "planning", "documents", "departed", "resettled", "closed"]),
    (12, "in_country", ["vetting", "planning", "in_transit", "departed", "resettled"]),
    (8, "rejected", ["vetting", "closed"]),
    (6, "", ["withdrawn"]),
    (4, "", ["vetting"]),
    (5, "", ["vetting", "planning"]),
    (6, "", ["vetting", "planning", "sheltered"]),
    (5, "", ["vetting", "planning", "sheltered", "documents"]),
    (4, "", ["vetting", "planning", "in_transit"]),
    (3, "", []),
    (3, "", ["vetting", "planning", "sheltered", "missing"]),
    (3, "", ["vetting", "detained"]),
    (2, "", ["vetting", "planning", "in_transit", "deceased"]),
]


def past_cases(now: dt.datetime, count: int = CASES) -> list:
    from haven.cases.public import PastCase, Vetting

    rng = random.Random(SEED)  # noqa: S311  (synthetic demo data, not a secret)
    weights = [w for w, _o, _p in STORIES]
    out = []
    for _n in range(count):
        _w, outcome, path = rng.choices(STORIES, weights=weights)[0]
        created = now - dt.timedelta(days=rng.uniform(30, DAYS))
        steps = []
        at, state = created, "intake"
        for step in path:
            at += dt.timedelta(days=rng.uniform(*STAY.get(state, (1, 30))))
            if at >= now:
                break  # still in this stage today
            steps.append((step, at))
            state = step
        country = rng.choice(COUNTRIES)
        vetted = any(s == "planning" for s, _a in steps)
        departed = any(s == "departed" for s, _a in steps)
        destination = {"abroad": country, "in_country": "RU"}.get(outcome, "")
        out.append(
            PastCase(
                risk=rng.choice(["critical", "high", "high", "medium", "medium", "low"]),
                region_of_origin=rng.choice(REGIONS),
                created_at=created,
                steps=steps,
                outcome=outcome if departed else "",
                outcome_country=destination if departed else "",
                destination_country=destination,
                pathway={
                    "abroad": rng.choice(["humanitarian_visa", "other_visa", "resettlement"]),
                    "in_country": "in_country",
                }.get(outcome, ""),
                vetting=Vetting.Decision.APPROVED
                if vetted
                else Vetting.Decision.REJECTED
                if outcome == "rejected" and len(steps) == 2
                else Vetting.Decision.PENDING,
            )
        )
    return out


def load(ctx: DemoContext, *, cases: int = CASES) -> None:
    from haven.cases.public import record_past_cases

    record_past_cases(
        keyring=ctx.keyring("coordinator"),
        cases=past_cases(timezone.now(), cases),
        reason="Демо: история дела.",
    )
    ctx.note(
        f"Statistics: `coordinator` → Statistics shows {cases} synthetic past cases over two "
        "years (stages, outcomes, time in stage)."
    )
