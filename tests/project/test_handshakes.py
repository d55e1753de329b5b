"""The door's hint (project/handshakes.py): how long a refused crowd is told to spread
over, from what the process admits a second."""

import types

import pytest

from project import handshakes
from project.handshakes import MAX_HINT, Window


@pytest.fixture
def clock(monkeypatch):
    """The window's seconds, moved by the test (no second boundary falls mid-test)."""
    now = types.SimpleNamespace(t=1000.5)
    monkeypatch.setattr(handshakes, "time", types.SimpleNamespace(monotonic=lambda: now.t))
    return now


def storm(window: Window, admitted: int, refused: int) -> None:
    for _ in range(admitted):
        window.count(refused=False)
    for _ in range(refused):
        window.count(refused=True)


def test_a_fresh_process_hints_by_how_fast_its_handshakes_finish(clock):
    # The first second after a restart: 64 let in, 3,000 refused, and handshakes take
    # 50 ms, so 64 in flight finish 1,280 a second: 3,000 fit in 3 s. By the admitted
    # count alone (64, no better second yet) the hint was the cap, 30 s.
    window = Window()
    storm(window, admitted=64, refused=3000)
    window.finished(0.05)
    assert window.hint(64) == 3


def test_before_any_handshake_finished_the_hint_is_refused_over_admitted(clock):
    window = Window()
    storm(window, admitted=64, refused=640)
    assert window.hint(64) == 10
    storm(window, admitted=0, refused=3000)
    assert window.hint(64) == MAX_HINT


def test_slow_handshakes_make_the_hint_longer(clock):
    # The same crowd, with handshakes queued behind it for a second each: 64 a second.
    window = Window()
    storm(window, admitted=64, refused=640)
    for _ in range(200):
        window.finished(1.0)
    assert window.hint(64) == 10
    for _ in range(200):
        window.finished(0.01)  # they sped up: 6,400 a second
    assert window.hint(64) == 1


def test_a_good_second_lately_still_counts_when_little_is_in_flight(clock):
    window = Window()
    storm(window, admitted=800, refused=0)
    clock.t += 1
    storm(window, admitted=0, refused=1600)  # behind (lag): nothing admitted this second
    window.finished(0.05)
    assert window.hint(0) == 2  # 1,600 over last second's 800


def test_the_duration_is_a_running_mean_not_the_last_handshake():
    window = Window()
    window.finished(0.01)
    window.finished(1.0)  # one slow handshake moves it a twentieth of the way
    assert window.latency == pytest.approx(0.01 + 0.99 * handshakes.SMOOTHING)
