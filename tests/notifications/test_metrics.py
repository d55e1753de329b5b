import asyncio

import pytest
from prometheus_client import REGISTRY

import live
from notifications import bulk, services, writer
from tests.consumers.sockets import open_socket, receive

pytestmark = pytest.mark.django_db


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("s3cret-metrics-token", 404),
        ("Token s3cret-metrics-token", 404),
        ("Bearer", 404),
        ("bearer s3cret-metrics-token", 200),  # the scheme is case-insensitive (RFC 7235)
    ],
)
def test_metrics_token_counts_only_as_a_bearer_token(client, settings, header, status):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics", headers={"Authorization": header}).status_code == status


def test_metrics_endpoint_is_hidden_without_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "notifications_ingress_to_commit_seconds",
        "notifications_commit_to_group_send_seconds",
        "notifications_ack_seconds",
        "notifications_open_sockets",
        "notifications_sends_failed_total",
        "notifications_pushes_failed_total",  # its deprecated name, still counted
        "notifications_writer_batch_size",
        "notifications_writer_refused_total",
        "webhooks_sns_rejected_total",
    ):
        assert name in body


@pytest.mark.django_db(transaction=True)
async def test_the_writer_observes_commit_push_and_batch(alice):
    before = value("notifications_ingress_to_commit_seconds_count")
    pushed_before = value("notifications_commit_to_group_send_seconds_count")
    batches_before = value("notifications_writer_batch_size_count")
    specs = [bulk.NotifySpec(text=f"measured {i}", user_id=alice.pk) for i in range(3)]
    await asyncio.gather(*(writer.submit(bulk.NOTIFY, spec) for spec in specs))
    # Three jobs submitted together commit as one batch, each measured from its queueing.
    assert value("notifications_ingress_to_commit_seconds_count") == before + 3
    assert value("notifications_writer_batch_size_count") == batches_before + 1
    assert value("notifications_commit_to_group_send_seconds_count") == pushed_before + 1


def test_failed_sends_are_counted_under_both_names(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    async def broken(*args, **kwargs):
        raise ConnectionError("layer down")

    monkeypatch.setattr(live, "_within_send_timeout", broken)
    names = ("notifications_sends_failed_total", "notifications_pushes_failed_total")
    before = [value(name) for name in names]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(alice, "lost send")
    assert [value(name) for name in names] == [count + 1 for count in before]


def test_rejected_sns_deliveries_are_counted_by_kind(client):
    before = value("webhooks_sns_rejected_total", kind="malformed", status="400")
    response = client.post("/webhooks/sns/", data=b"not json", content_type="text/plain")
    assert response.status_code == 400
    assert value("webhooks_sns_rejected_total", kind="malformed", status="400") == before + 1


@pytest.mark.django_db(transaction=True)
async def test_sockets_and_rejected_frames_are_counted(alice):
    open_before = value("notifications_open_sockets")
    rejected_before = value("notifications_frames_rejected_total", code="invalid_json")
    acks_before = value("notifications_ack_seconds_count")
    socket = await open_socket(alice)
    await receive(socket)
    assert value("notifications_open_sockets") == open_before + 1
    await socket.send_to(text_data="{nope")
    assert (await receive(socket))["code"] == "invalid_json"
    assert value("notifications_frames_rejected_total", code="invalid_json") == rejected_before + 1
    await socket.send_to(text_data='{"type":"ack","ids":[1]}')
    await socket.send_to(text_data='{"type":"ping"}')
    assert (await receive(socket))["type"] == "pong"
    # The ack is written after its wait in the batching writer (the socket went on).
    for _ in range(100):
        if value("notifications_ack_seconds_count") > acks_before:
            break
        await asyncio.sleep(0.05)
    assert value("notifications_ack_seconds_count") == acks_before + 1
    await socket.disconnect()
    assert value("notifications_open_sockets") == open_before
