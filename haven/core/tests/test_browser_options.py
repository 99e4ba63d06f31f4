"""The switches a developer uses to watch a browser test (docs/developers.md, "Journeys")."""

from __future__ import annotations

from haven.testing.browser import launch_options


def test_browser_tests_run_headless_at_full_speed_unless_asked_otherwise() -> None:
    assert launch_options({}) == {"headless": True, "slow_mo": 0}


def test_a_developer_can_watch_a_browser_test_headed_and_slowed_down() -> None:
    options = launch_options({"HAVEN_BROWSER_HEADED": "1", "HAVEN_BROWSER_SLOWMO": "400"})
    assert options == {"headless": False, "slow_mo": 400}
    assert launch_options({"HAVEN_BROWSER_HEADED": "yes"})["headless"] is False
    assert launch_options({"HAVEN_BROWSER_HEADED": "0"})["headless"] is True


def test_a_mistyped_slow_motion_value_runs_at_full_speed_instead_of_failing() -> None:
    assert launch_options({"HAVEN_BROWSER_SLOWMO": "fast"})["slow_mo"] == 0
    assert launch_options({"HAVEN_BROWSER_SLOWMO": "-5"})["slow_mo"] == 0
