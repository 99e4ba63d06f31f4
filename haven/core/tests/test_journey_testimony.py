"""Journey 4, testimony for a court: interviews in the manner of Human Rights Watch's 2017
Chechnya research (synthetic: every name, number and detail is invented). A documentation officer
records the incident, a survivor's testimony (courts, UN bodies and partner NGOs; never named)
and his sister's (courts only, named), and a photo; reviews the redaction proposals one by one;
is refused an NGO bundle until the sister's consent covers NGOs; downloads the NGO and the court
bundles from the browser; `haven evidence verify` passes on both; the NGO bundle has neither the
survivor's name nor what the review removed nor the photo's camera data, the court bundle has the
original photo. Real Chromium, Russian UI, real sign-in."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from haven.evidence.models import EvidenceIncident, Export, Testimony
from haven.testing.browser import chromium_page, only_local
from haven.testing.journey import flash_text, staff_sign_in, staff_sign_out

SURVIVOR = (
    "Меня, Ислама Хасанова, задержали 12 марта 2017 года в Аргуне и привезли в бывшее здание "
    "ОМВД. Допрашивал следователь Руслан Гайрбеков. Там уже был Рустам Ахмадов из Шали. Нас "
    "били шлангами и требовали назвать имена знакомых. Мой телефон +7 928 000-00-17 забрали и "
    "читали переписку. Через десять дней меня отдали дяде."
)
SISTER = (
    "Брата увезли из дома утром 12 марта. Мы искали его десять дней, в полиции говорили, что "
    "ничего не знают. Когда его отдали, он не мог стоять."
)
CAMERA = "HavenTestCam X1"


def _photo_with_camera_data() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x013B] = "I. Khasanov"  # Artist: a name hidden in the file
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _download_bundle(page, audience: str, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    page.select_option("select[name=audience]", audience)
    with page.expect_download() as pending:
        page.click("button.primary:has-text('Собрать и скачать')")
    download = pending.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def _verify(path: Path) -> str:
    out = io.StringIO()
    call_command("evidence", "verify", str(path), stdout=out)  # raises CommandError on failure
    return out.getvalue()


def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_testimony_for_a_court_from_consent_and_redaction_review_to_two_verified_bundles(
    live_server, personas, tmp_path
) -> None:
    base = live_server.url
    photo = tmp_path / "IMG_Islam_Khasanov.jpg"
    photo.write_bytes(_photo_with_camera_data())
    with chromium_page() as (page, requested):
        staff_sign_in(page, base, personas.docofficer)
        page.click("nav >> text=Доказательства")
        page.click("text=Записать инцидент")
        page.fill("input[name=title]", "Задержание и пытки в Аргуне, март 2017")
        page.check("input[name=violations][value=arbitrary_detention]")
        page.check("input[name=violations][value=torture]")
        page.select_option("select[name=date_precision]", "day")
        page.fill("input[name=date_start]", "2017-03-12")
        page.fill("input[name=region]", "Чеченская Республика")
        page.fill("textarea[name=summary]", "Задержание и пытки в бывшем здании ОМВД, десять дней.")
        page.click("button.primary:has-text('Сохранить')")
        incident = EvidenceIncident.objects.get()
        assert f"/staff/evidence/{incident.id}/" in page.url
        assert "Пытки" in page.inner_text("main")

        # The survivor: courts, UN bodies and partner NGOs; he may never be named.
        page.click("text=Записать показания")
        page.fill("input[name=given_by]", "Ислам Хасанов")
        page.fill("input[name=given_on]", "2017-05-20")
        page.select_option("select[name=language]", "ru")
        page.fill("textarea[name=text]", SURVIVOR)
        for audience in ("court", "un", "partner_ngo"):
            page.check(f"input[name=consent][value={audience}]")
        page.click("button.primary:has-text('Сохранить')")
        assert "Показания записаны." in flash_text(page)
        survivor = Testimony.objects.get()
        survivor_page = page.url

        # Redaction: the engine proposes; the officer accepts or rejects each proposal.
        page.click("button:has-text('Предложить обезличивание')")
        assert f"/staff/evidence/testimonies/{survivor.id}/redactions/" in page.url
        rows = page.locator("tbody tr")
        seen: dict[str, str] = {}
        for i in range(rows.count()):
            row = rows.nth(i)
            original = row.locator("mark").inner_text()
            seen[original] = row.locator("td").nth(1).inner_text()
            box = row.locator("input[name=accepted]")
            if "Гайрбеков" in original:
                box.uncheck()  # the interrogator's name is evidence: it stays
            else:
                box.check()
        assert seen.get("Ислама Хасанова") == "Имя человека", seen
        assert seen.get("+7 928 000-00-17") == "Номер телефона", seen
        assert any("Рустам" in k for k in seen), seen
        kinds = " ".join(page.locator("tbody tr td:nth-child(2)").all_inner_texts())
        assert "PERSON" not in kinds and "PHONE" not in kinds  # the engine's codes are not words
        page.click("button.primary:has-text('Сохранить проверенный текст')")
        assert page.url == survivor_page
        reviewed = page.inner_text("section.panel:has(h2:has-text('Обезличивание')) .testimony")
        assert "Гайрбеков" in reviewed
        assert "Хасанов" not in reviewed and "Рустам" not in reviewed and "928" not in reviewed

        # His sister: courts only, and she may be named.
        page.goto(f"{base}/staff/evidence/{incident.id}/")
        page.click("text=Записать показания")
        page.fill("input[name=given_by]", "Зарема Хасанова")
        page.fill("input[name=given_on]", "2017-05-21")
        page.select_option("select[name=language]", "ru")
        page.fill("textarea[name=text]", SISTER)
        page.check("input[name=consent][value=court]")
        page.check("input[name=may_be_named]")
        page.click("button.primary:has-text('Сохранить')")
        sister = Testimony.objects.exclude(pk=survivor.pk).get()
        sister_page = page.url

        # A photo he sent, with a camera's data in it.
        page.goto(f"{base}/staff/evidence/{incident.id}/")
        page.click("text=Добавить файл")
        page.set_input_files("input[name=file]", str(photo))
        page.fill("textarea[name=notes]", "Прислал сам, мессенджер, 2017-05-20.")
        page.click("button.primary")
        assert incident.attachments.count() == 1

        # An NGO bundle is refused: the sister did not consent to NGOs.
        page.goto(f"{base}/staff/evidence/{incident.id}/")
        page.click("text=Выгрузить пакет")
        page.select_option("select[name=audience]", "partner_ngo")
        page.click("button.primary:has-text('Собрать и скачать')")
        assert "T2" in page.inner_text(".form-errors")
        assert not Export.objects.exists()

        # She agrees to NGOs (by phone, noted): her consent is changed on her testimony.
        page.goto(sister_page)
        page.check("input[name=consent][value=partner_ngo]")
        page.click("button:has-text('Сохранить согласие')")
        assert "Согласие сохранено." in flash_text(page)
        sister.refresh_from_db()
        assert set(sister.consent) == {"court", "partner_ngo"}

        page.goto(f"{base}/staff/evidence/{incident.id}/export/")
        ngo = _download_bundle(page, "partner_ngo", tmp_path)
        page.goto(f"{base}/staff/evidence/{incident.id}/export/")
        court = _download_bundle(page, "court", tmp_path)
        staff_sign_out(page)
        assert only_local(requested) == []

    assert ngo != court and Export.objects.count() == 2
    for bundle in (ngo, court):
        assert _verify(bundle).startswith("OK: ")

    ngo_files, court_files = _read(ngo), _read(court)
    for files in (ngo_files, court_files):
        records = json.loads(files["records.json"])
        t1, t2 = records["testimonies"]
        assert t1["given_by"] == "Анонимный свидетель 1" and t1["redacted"] is True
        assert t2["given_by"] == "Зарема Хасанова"  # she may be named
        text = files["testimonies/T1.txt"].decode()
        assert "Хасанова" not in text and "Рустам" not in text and "928 000" not in text
        assert "Гайрбеков" in text  # the rejected proposal stayed
        assert "Ислам Хасанов" not in files["records.json"].decode()
    # The NGO gets the working copy, without the camera and the name hidden in the photo.
    ngo_photos = [n for n in ngo_files if n.startswith("attachments/")]
    assert ngo_photos == ["attachments/A1-working.jpg"]
    assert CAMERA.encode() not in ngo_files[ngo_photos[0]]
    assert b"Khasanov" not in b"".join(ngo_files.values())
    assert b"Islam_Khasanov" not in b"".join(ngo_files.values())  # nor the sender's file name
    # The court gets the original, exactly as captured.
    assert court_files["attachments/A1-original.jpg"] == photo.read_bytes()
