"""workers.clock.DueClock: passes on a wake-up, at the next due time, and after a failure."""

import threading
from datetime import timedelta

from django.utils import timezone

from workers.clock import DueClock


class Passes:
    """A pass that records each run and answers what the test queued (or raises it)."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.runs = 0
        self.ran = threading.Event()

    def __call__(self):
        self.runs += 1
        self.ran.set()
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        return answer() if callable(answer) else answer


def next_run(passes: Passes, timeout: float) -> bool:
    ran = passes.ran.wait(timeout)
    passes.ran.clear()
    return ran


def test_a_wake_runs_a_pass_and_with_nothing_pending_it_sleeps_until_the_next(db):
    passes = Passes()
    clock = DueClock("test-idle", passes, longest=lambda: 60.0, idle=lambda: None)
    assert not clock.started
    clock.wake()
    assert clock.started and next_run(passes, 5)
    assert not next_run(passes, 0.3)  # nothing due: no pass until woken
    clock.wake()
    assert next_run(passes, 5) and passes.runs == 2


def test_the_next_pass_runs_when_the_next_thing_falls_due(db):
    passes = Passes(lambda: timezone.now() + timedelta(seconds=0.2))
    clock = DueClock("test-due", passes, longest=lambda: 60.0, idle=lambda: None)
    clock.wake()
    assert next_run(passes, 5)
    assert next_run(passes, 5) and passes.runs == 2  # at the due time, with no wake-up


def test_a_failed_pass_is_logged_and_retried_after_the_longest_sleep(db, caplog):
    passes = Passes(RuntimeError("database down"))
    clock = DueClock("test-failing", passes, longest=lambda: 0.2, idle=lambda: None)
    clock.wake()
    assert next_run(passes, 5)
    assert next_run(passes, 5) and passes.runs == 2  # retried with no wake-up
    assert "test-failing pass failed" in caplog.text
