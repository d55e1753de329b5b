"""The door's measure of the process (project/handshakes.py): how long a refused crowd is
told to spread over, and how many handshakes it lets in at once."""

import math
import types

import pytest

from project import handshakes
from project.handshakes import MAX_HINT, MAX_IN_FLIGHT, RATE_GUESS, HandshakeGate, Window


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
    # The first second after a restart: 64 let in, 3,000 refused. By refused over
    # admitted alone (64, no better second yet) the hint was the cap, 30 s. Before any
    # handshake finished the process is taken to do RATE_GUESS a second.
    window = Window()
    storm(window, admitted=64, refused=3000)
    assert window.hint() == math.ceil(3000 / RATE_GUESS)
    # Handshakes take 50 ms with 64 in flight: 1,280 a second, so 3,000 fit in 3 s.
    window.finished(0.05, 64)
    assert window.rate == (RATE_GUESS + 1280) / 2  # the guess is one measurement
    for _ in range(100):
        window.finished(0.05, 64)
    assert window.hint() == 3


def test_slow_handshakes_make_the_hint_longer(clock):
    # The same crowd, with handshakes queued behind it for a second each: 64 a second.
    window = Window()
    storm(window, admitted=64, refused=640)
    for _ in range(200):
        window.finished(1.0, 64)
    assert window.hint() == 10
    storm(window, admitted=0, refused=3000)
    assert window.hint() == MAX_HINT
    for _ in range(200):
        window.finished(0.01, 64)  # they sped up: 6,400 a second
    assert window.hint() == 1


def test_a_good_second_lately_still_counts(clock):
    window = Window()
    storm(window, admitted=800, refused=0)
    clock.t += 1
    storm(window, admitted=0, refused=1600)  # behind (lag): nothing admitted this second
    for _ in range(100):
        window.finished(0.5, 1)  # slow handshakes: 2 a second by Little's law
    assert window.hint() == 2  # 1,600 over last second's 800


def test_the_rate_is_a_running_measure_not_the_last_handshake():
    window = Window()
    for _ in range(100):
        window.finished(0.01, 1)  # 100 a second
    before = window.rate
    assert before == pytest.approx(100, abs=1)
    window.finished(1.0, 1)  # one slow handshake moves it a twentieth of the way
    assert window.rate == pytest.approx(before + (1 - before) * handshakes.SMOOTHING)


def test_the_bound_is_what_the_process_finishes_in_the_wait(settings):
    settings.ADMISSION_HANDSHAKES_IN_FLIGHT = 64
    settings.ADMISSION_HANDSHAKE_WAIT = 1.0
    gate = HandshakeGate(app=None)
    assert gate.bound() == RATE_GUESS  # nothing measured yet: the guess, in 1 s
    gate.window.rate = 800
    assert gate.bound() == 800
    settings.ADMISSION_HANDSHAKE_WAIT = 0.5
    assert gate.bound() == 400
    gate.window.rate = 10
    assert gate.bound() == 64  # slow handshakes: never under the floor
    gate.window.rate = 1e6
    assert gate.bound() == MAX_IN_FLIGHT
    settings.ADMISSION_HANDSHAKE_WAIT = 0
    assert gate.bound() == 64  # the fixed bound, as configured
