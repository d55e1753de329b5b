import json

import pytest

import live


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    """(user id, frame) of every frame sent to the layer after commit, as Redis carries it."""
    sent: list[tuple[int, dict]] = []

    def fake_send(user_id: int, frame: dict) -> bool:
        sent.append((user_id, json.loads(live.encode(frame))))
        return True

    monkeypatch.setattr(live, "send_now", fake_send)
    return sent
