import io
import json

from haven.lib.redact.cli import parse_known, run


def _run(argv, stdin_text=""):
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, io.StringIO(stdin_text), out, err)
    return code, out.getvalue(), err.getvalue()


def test_it_redacts_standard_input_with_a_known_persons_file(tmp_path):
    known = tmp_path / "known.txt"
    known.write_text(
        "# victim\nСалех Мусаев | Saleh Musaev | Салик | +7 928 111-22-33\n", encoding="utf-8"
    )
    figures = tmp_path / "figures.txt"
    figures.write_text("Рамзан Кадыров\n", encoding="utf-8")
    code, out, err = _run(
        ["--known", str(known), "--public-figures", str(figures), "-"],
        "Салику звонили с 89281112233 люди Кадырова.",
    )
    assert code == 0, err
    assert out == "[PERSON 1] звонили с [PHONE 1] люди Кадырова."


def test_json_output_lists_each_redaction(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("Пиши на a.b@mail.ru.", encoding="utf-8")
    code, out, _ = _run(["--json", str(src)])
    data = json.loads(out)
    assert code == 0
    assert data["text"] == "Пиши на [EMAIL 1]."
    assert data["redactions"][0]["original"] == "a.b@mail.ru"
    assert data["redactions"][0]["category"] == "EMAIL"


def test_an_unknown_language_exits_2_with_a_message():
    code, out, err = _run(["--lang", "de", "-"], "text")
    assert code == 2
    assert out == ""
    assert "unknown language 'de'" in err
    assert "Traceback" not in err


def test_a_missing_input_file_exits_2_with_a_message(tmp_path):
    code, _, err = _run([str(tmp_path / "nope.txt")])
    assert code == 2
    assert "input file not found" in err


def test_a_missing_known_file_exits_2_with_a_message(tmp_path):
    code, _, err = _run(["--known", str(tmp_path / "nope.txt"), "-"], "x")
    assert code == 2
    assert "known-persons file not found" in err


def test_undecodable_input_exits_2_with_a_message(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes(b"\xff\xfe\xfa broken")
    code, _, err = _run([str(src)])
    assert code == 2
    assert "not UTF-8" in err


def test_a_missing_argument_exits_2_instead_of_raising_systemexit():
    code, _, err = _run([])
    assert code == 2
    assert "INPUT" in err


def test_the_known_file_format_sorts_items_by_shape():
    [person] = parse_known("Салех Мусаев | Салик | +7 928 111-22-33 | s@x.org | @salekh_95\n")
    assert person.names == ("Салех Мусаев",)
    assert person.aliases == ("Салик",)
    assert person.phones == ("+7 928 111-22-33",)
    assert person.emails == ("s@x.org",)
    assert person.handles == ("@salekh_95",)
