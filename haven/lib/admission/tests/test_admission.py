from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.admission import SharedBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _budget(directory: Path, **kw) -> SharedBudget:  # type: ignore[no-untyped-def]
    defaults = {"name": "new", "slots": 2, "rate": 0.0, "burst": 1}
    return SharedBudget(directory, **{**defaults, **kw})


def _hold_a_slot(directory: str, held, done) -> None:  # type: ignore[no-untyped-def]
    slot = _budget(Path(directory), slots=1).try_acquire()
    held.set() if slot is not None else None
    done.wait(30)


def test_a_slot_held_by_another_process_is_not_given_out_again(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    held, done = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_a_slot, args=(str(tmp_path), held, done))
    child.start()
    try:
        assert held.wait(30)
        assert _budget(tmp_path, slots=1).try_acquire() is None
    finally:
        done.set()
        child.join(30)
    # The child is gone: the kernel dropped its lock, the slot is free again.
    assert _budget(tmp_path, slots=1).try_acquire() is not None


def test_slots_are_bounded_and_come_back_when_released(tmp_path: Path) -> None:
    budget = _budget(tmp_path, slots=2)
    first, second = budget.try_acquire(), budget.try_acquire()
    assert first is not None and second is not None
    assert budget.try_acquire() is None
    assert budget.in_use() == 2
    first.release()
    with budget.try_acquire() as third:
        assert third is not None
    assert budget.in_use() == 1


def test_the_bucket_refills_at_its_rate_and_caps_at_its_burst(tmp_path: Path) -> None:
    clock = FakeClock()
    budget = _budget(tmp_path, slots=0, rate=2.0, burst=3, clock=clock)
    assert [budget.try_acquire() is not None for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5
    assert budget.try_acquire() is not None
    assert budget.try_acquire() is None
    clock.now += 3600
    assert sum(budget.try_acquire() is not None for _ in range(10)) == 3


def test_a_clock_that_steps_back_refills_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    budget = _budget(tmp_path, slots=0, rate=1.0, burst=1, clock=clock)
    assert budget.try_acquire() is not None
    clock.now -= 10_000
    assert budget.try_acquire() is None


def test_a_refused_token_gives_its_slot_back(tmp_path: Path) -> None:
    clock = FakeClock()
    budget = _budget(tmp_path, slots=1, rate=1.0, burst=1, clock=clock)
    kept = budget.try_acquire()
    assert kept is not None
    kept.release()
    assert budget.try_acquire() is None  # no token left
    assert budget.in_use() == 0


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(0.1, 50),
    burst=st.integers(1, 20),
    steps=st.lists(st.floats(0, 2), min_size=1, max_size=60),
)
def test_never_more_than_the_burst_plus_what_the_rate_earned(
    rate: float, burst: int, steps: list[float]
) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as directory:
        budget = _budget(Path(directory), slots=0, rate=rate, burst=burst, clock=clock)
        granted = 0
        for step in steps:
            clock.now += step
            granted += budget.try_acquire() is not None
        assert granted <= burst + rate * sum(steps) + 1e-6


def test_waiters_get_a_freed_slot_in_the_order_they_arrived(tmp_path: Path) -> None:
    import threading

    from haven.lib.admission import _queue_for, acquire_in_turn

    budget = _budget(tmp_path, name="turns", slots=1)
    queue = _queue_for(budget)
    first_slot = budget.try_acquire()
    assert first_slot is not None
    served: list[str] = []
    let_go = {"a": threading.Event(), "b": threading.Event()}

    def wait(name: str) -> None:
        slot = acquire_in_turn(budget, timeout=30)
        assert slot is not None
        served.append(name)
        let_go[name].wait(30)
        slot.release()

    threads = {}
    for n, name in enumerate(("a", "b"), start=1):
        threads[name] = threading.Thread(target=wait, args=(name,))
        threads[name].start()
        with queue.cond:  # "a" is queued before "b" starts
            assert queue.cond.wait_for(lambda n=n: len(queue.waiters) == n, timeout=30)
    first_slot.release()
    with queue.cond:
        assert queue.cond.wait_for(lambda: len(queue.waiters) == 1, timeout=30)
    assert served == ["a"]  # the later waiter did not overtake
    let_go["a"].set()
    threads["a"].join(30)
    with queue.cond:
        assert queue.cond.wait_for(lambda: not queue.waiters, timeout=30)
    assert served == ["a", "b"]
    let_go["b"].set()
    threads["b"].join(30)


def test_a_waiter_gives_up_after_its_timeout_and_leaves_the_queue(tmp_path: Path) -> None:
    from haven.lib.admission import _queue_for, acquire_in_turn

    budget = _budget(tmp_path, name="full", slots=1)
    held = budget.try_acquire()
    assert held is not None
    assert acquire_in_turn(budget, timeout=0.0) is None
    assert not _queue_for(budget).waiters
    held.release()
    slot = acquire_in_turn(budget, timeout=0.0)
    assert slot is not None
    slot.release()
