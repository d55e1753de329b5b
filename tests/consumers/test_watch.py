"""The layer watch: probes while sockets are open, resyncs them when the layer comes back."""

import asyncio
import time

import pytest

from consumers import watch as watch_module
from consumers.watch import LayerWatch

GUARD = 5  # seconds: only a bound on a hang, never a measurement


class ScriptedProbe:
    """A probe whose answers are scripted: the watch's own logic, without a layer."""

    instances: list["ScriptedProbe"] = []
    # True: through; False: failed by error; "lost": Redis answered that nobody is
    # subscribed to it (failed at once); "unanswered": ran out of time before Redis
    # answered its PUBLISH (queued behind the layer's own work); "undelivered": ran out of
    # time after Redis said it delivered it; "timeout, busy": ran out of time on a loop
    # that then runs late (a blocked loop, as in a storm).
    script: list = [True, False, False, True]
    DELIVERED = {True: 1, False: None, "lost": 0, "unanswered": None, "undelivered": 1}

    def __init__(self) -> None:
        self.answers = list(ScriptedProbe.script)
        self.timed_out = False
        self.delivered: int | None = None
        self.told: list[list[str]] = []
        self.closed = False
        self.done = asyncio.Event()
        ScriptedProbe.instances.append(self)

    async def check(self, *, within: float) -> bool:
        if not self.answers:
            self.done.set()
            await asyncio.Event().wait()
        answer = self.answers.pop(0)
        self.timed_out = answer in ("unanswered", "undelivered", "timeout, busy")
        self.delivered = self.DELIVERED.get(answer)
        if answer == "timeout, busy":
            time.sleep(0.3)  # the loop blocked during the probe, as in a storm
            await asyncio.sleep(0.01)  # and caught up before it ended
        elif self.timed_out:
            await asyncio.sleep(0.02)  # the probe's time, the loop on time meanwhile
        return answer is True

    async def tell_recovered(self, channels) -> None:
        self.told.append(sorted(channels))

    async def close(self) -> None:
        self.closed = True


class Socket:
    def __init__(self, name: str) -> None:
        self.channel_name = name


@pytest.fixture
def scripted(monkeypatch, settings):
    settings.NOTIFICATIONS_LAYER_CHECK_INTERVAL = 0
    ScriptedProbe.instances = []
    ScriptedProbe.script = [True, False, False, True]
    monkeypatch.setattr(watch_module, "Probe", ScriptedProbe)
    monkeypatch.setattr(watch_module.live, "is_process_local", lambda: False)


async def test_sockets_are_told_once_when_the_layer_comes_back(scripted):
    watch = LayerWatch()
    sockets = [Socket("a"), Socket("b")]
    for socket in sockets:
        watch.register(socket)
    [probe] = ScriptedProbe.instances  # one probing task for every socket
    await asyncio.wait_for(probe.done.wait(), GUARD)
    assert probe.told == [["a", "b"]]  # down twice, then back: told once
    assert watch.healthy
    for socket in sockets:
        watch.unregister(socket)
    await asyncio.sleep(0)  # the close runs as a task of its own
    assert probe.closed


async def test_an_in_process_layer_is_not_watched(scripted, monkeypatch):
    monkeypatch.setattr(watch_module.live, "is_process_local", lambda: True)
    watch = LayerWatch()
    watch.register(Socket("a"))
    assert ScriptedProbe.instances == []
    assert len(watch.sockets) == 0


async def test_a_probe_that_times_out_on_a_congested_loop_is_no_news(scripted, caplog):
    # A reconnect storm: the loop runs late, the probe runs out of time; the layer is fine.
    ScriptedProbe.script = [True, "timeout, busy", "timeout, busy", True]
    watch, socket = LayerWatch(), Socket("a")
    watch.register(socket)
    [probe] = ScriptedProbe.instances
    await asyncio.wait_for(probe.done.wait(), GUARD)
    assert probe.told == []  # never marked down, so nothing to resync
    assert "unreachable" not in caplog.text
    watch.unregister(socket)


@pytest.mark.parametrize("answer", ["unanswered", "undelivered"])
async def test_a_probe_that_times_out_with_redis_busy_or_delivering_is_no_news(
    scripted, caplog, answer
):
    # A reconnect storm on a loop that keeps time: the probe waits behind the layer's own
    # queue of SUBSCRIBEs (no answer from Redis yet), or Redis delivered it and the
    # process has not read it yet. Neither says the layer lost anything; resyncing every
    # socket on top of the storm left handshakes hanging past their clients' timeouts.
    ScriptedProbe.script = [True, answer, answer, True]
    watch, socket = LayerWatch(), Socket("a")
    watch.register(socket)
    [probe] = ScriptedProbe.instances
    await asyncio.wait_for(probe.done.wait(), GUARD)
    assert probe.told == []
    assert "unreachable" not in caplog.text
    watch.unregister(socket)


async def test_a_probe_redis_delivered_to_nobody_marks_the_layer_down(scripted, caplog):
    # Redis restarted and our subscription is gone: what is published meanwhile is lost.
    ScriptedProbe.script = [True, "lost", True]
    watch, socket = LayerWatch(), Socket("a")
    watch.register(socket)
    [probe] = ScriptedProbe.instances
    await asyncio.wait_for(probe.done.wait(), GUARD)
    assert probe.told == [["a"]]
    assert "unreachable" in caplog.text
    watch.unregister(socket)


async def test_no_news_for_too_long_marks_the_layer_down(scripted, monkeypatch):
    # A Redis that hangs answers nothing, ever: past QUIET_LIMIT of probes that say
    # nothing, the next one that runs out of time counts.
    monkeypatch.setattr(watch_module, "QUIET_LIMIT", 0.05)
    ScriptedProbe.script = [True, "unanswered", "unanswered", "unanswered", "unanswered", True]
    watch, socket = LayerWatch(), Socket("a")
    watch.register(socket)
    [probe] = ScriptedProbe.instances
    await asyncio.wait_for(probe.done.wait(), GUARD)
    assert probe.told == [["a"]]
    watch.unregister(socket)
