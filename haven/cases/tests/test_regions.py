"""Region of origin: a closed list in the plain column (for statistics), anything more precise
sealed in the case; existing free text moved by a migration and sealed by a person."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import override

from haven.cases import actions, regions
from haven.cases.checks import unsealed_regions
from haven.cases.models import Case
from haven.testing.leakscan import Markers, assert_no_leaks
from haven.testing.personas import PASSWORD, current_code, keyring_for


def test_the_list_holds_the_83_federal_subjects_and_the_others_in_both_languages() -> None:
    assert len(regions.FEDERAL_SUBJECTS) == 83 == len(set(regions.FEDERAL_SUBJECTS))
    assert {"abroad", "other", "unknown", "crimea", "occupied-ua"} <= regions.CODES
    for code in regions.CODES:
        with override("en"):
            english = regions.label(code)
        with override("ru"):
            russian = regions.label(code)
        assert english and russian and english != russian, code
        assert any("а" <= ch.lower() <= "я" for ch in russian), f"{code}: {russian}"
    with override("ru"):
        assert regions.label("RU-CE") == "Чеченская Республика"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Chechnya", "RU-CE"),
        ("  чеченская   республика ", "RU-CE"),
        ("ЧЕЧНЯ", "RU-CE"),
        ("ru-mow", "RU-MOW"),
        ("Ставропольский край", "RU-STA"),
        ("Республика Северная Осетия — Алания", "RU-SE"),
        ("Грозный", None),
        ("Chechnya, Grozny", None),
        ("Chech", None),
        ("", None),
    ],
)
def test_free_text_matches_a_region_only_when_it_is_exactly_one_of_its_names(
    typed: str, code: str | None
) -> None:
    assert regions.match(typed) == code


@pytest.mark.django_db(transaction=True)
def test_a_new_case_keeps_the_code_in_the_clear_and_the_detail_sealed(
    personas, client_for, index, caplog
) -> None:
    markers = Markers()
    detail = markers.new("village", cyrillic=True)
    client = client_for(personas.caseworker)
    response = client.post(
        "/staff/cases/new/",
        {
            "risk": "high",
            "region_of_origin": "RU-CE",
            "region_detail": detail,
            "p-given_name": "Хава",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.region_of_origin == "RU-CE" and case.region_unsealed == ""
    assert keyring_for(personas.caseworker).open(case.vault).unseal(case, "region_detail") == detail
    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    assert "Чеченская Республика" in page and detail in page
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db
def test_free_text_in_the_region_list_is_refused_and_what_was_typed_comes_back(
    personas, client_for, index
) -> None:
    client = client_for(personas.caseworker)
    response = client.post(
        "/staff/cases/new/",
        {
            "risk": "high",
            "region_of_origin": "Грозный, ул. Победы 5",
            "region_detail": "рядом с рынком",
            "p-given_name": "Хава",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "рядом с рынком" in body and "Хава" in body
    assert not Case.objects.exists()
    with pytest.raises(ValueError):
        actions.create_case(
            keyring=keyring_for(personas.caseworker), risk="high", region_of_origin="Грозный"
        )


@pytest.mark.django_db
def test_a_coordinator_seals_the_free_text_the_migration_left_and_the_warning_goes(
    personas, index, monkeypatch
) -> None:
    ring = keyring_for(personas.caseworker)
    mine = actions.create_case(keyring=ring, risk="high", caseworker=personas.caseworker)
    theirs = actions.create_case(keyring=keyring_for(personas.outsider), risk="low")
    Case.objects.filter(pk=mine.pk).update(region_of_origin="other", region_unsealed="Грозный")
    Case.objects.filter(pk=theirs.pk).update(region_of_origin="other", region_unsealed="Гудермес")
    assert [w.id for w in unsealed_regions(None)] == ["haven.W101"]

    monkeypatch.setenv("HAVEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("HAVEN_OTP", current_code(personas.caseworker))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 case"):
        call_command("seal-regions", "--user", personas.caseworker.username, stdout=out)
    assert "sealed: 1; left: 1" in out.getvalue()
    mine.refresh_from_db()
    assert mine.region_unsealed == "" and mine.region_of_origin == "other"
    assert ring.open(mine.vault).unseal(mine, "region_detail") == "Грозный"
    # The case this account cannot open is untouched, plaintext and all, for someone who can.
    assert Case.objects.get(pk=theirs.pk).region_unsealed == "Гудермес"

    monkeypatch.setenv("HAVEN_OTP", current_code(personas.outsider))
    call_command("seal-regions", "--user", personas.outsider.username, stdout=out)
    assert "sealed: 1; left: 0" in out.getvalue()
    assert unsealed_regions(None) == []
    assert Case.objects.filter(region_unsealed__gt="").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_exact_names_to_codes_and_moves_the_rest_aside() -> None:
    old = [("cases", "0004_task_kind_relocate")]
    new = [("cases", "0005_region_of_origin_closed_list")]
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    vault = apps.get_model("vault", "Vault").objects.create(kind="case", public_key=b"x" * 32)
    OldCase = apps.get_model("cases", "Case")
    typed = {
        "a": "chechnya",
        "b": "Чеченская Республика",
        "c": "  Дагестан ",
        "d": "RU-MOW",
        "e": "Грозный, Старопромысловский район",
        "f": "",
    }
    for ref, text in typed.items():
        OldCase.objects.create(reference=ref, vault_id=vault.pk, region_of_origin=text)

    executor = MigrationExecutor(connection)
    executor.migrate(new)
    apps = executor.loader.project_state(new).apps
    rows = {
        c.reference: (c.region_of_origin, c.region_unsealed)
        for c in apps.get_model("cases", "Case").objects.all()
    }
    assert rows == {
        "a": ("RU-CE", ""),
        "b": ("RU-CE", ""),
        "c": ("RU-DA", ""),
        "d": ("RU-MOW", ""),
        "e": ("other", "Грозный, Старопромысловский район"),
        "f": ("", ""),
    }

    # Undoing it is possible while nothing is sealed, and refuses once something is.
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    back = dict(
        apps.get_model("cases", "Case").objects.values_list("reference", "region_of_origin")
    )
    assert back["e"] == "Грозный, Старопромысловский район" and back["a"] == "Chechnya"
    executor = MigrationExecutor(connection)
    executor.migrate(new)
    apps = executor.loader.project_state(new).apps
    apps.get_model("cases", "Case").objects.filter(reference="e").update(region_detail=b"sealed")
    executor = MigrationExecutor(connection)
    with pytest.raises(RuntimeError, match="would drop it"):
        executor.migrate(old)
    apps.get_model("cases", "Case").objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
