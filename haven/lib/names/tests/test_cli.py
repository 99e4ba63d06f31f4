import io

from haven.lib.names import run_match


def _run(text: str) -> tuple[list[str], str, int]:
    out, err = io.StringIO(), io.StringIO()
    bad = run_match(io.StringIO(text), out, err)
    return out.getvalue().splitlines(), err.getvalue(), bad


def test_it_writes_one_score_and_decision_per_line_in_input_order():
    lines, err, bad = _run("Исаев Ислам\tIslam Isaev\nИслам Исаев\tАслан Исаев\n")
    assert len(lines) == 2
    score, decision = lines[0].split("\t")
    assert decision == "1" and 0.8 <= float(score) <= 1.0 and len(score) == 6
    assert lines[1].split("\t")[1] == "0"
    assert bad == 0 and err == ""


def test_blank_and_malformed_lines_yield_zero_and_a_warning_naming_the_line():
    lines, err, bad = _run("Исаев Ислам\tIslam Isaev\n\nno tab here\n\tIslam\nХава\tHava\n")
    assert lines[1:4] == ["0.0000\t0"] * 3
    assert len(lines) == 5
    assert bad == 3
    assert "line 2" in err and "line 3" in err and "line 4" in err and "line 5" not in err


def test_windows_line_endings_and_extra_columns_are_tolerated():
    lines, _, bad = _run("Исаев Ислам\tIslam Isaev\t1\r\n")
    assert lines == [lines[0]] and lines[0].endswith("\t1") and bad == 0
