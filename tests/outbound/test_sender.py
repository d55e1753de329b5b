"""outbound/sender.py against a real receiver on loopback that verifies each signature."""

import io
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from notifications import services
from outbound import sender
from outbound.admin import OutboundEventAdmin
from outbound.models import OutboundEvent

pytestmark = pytest.mark.django_db
State = OutboundEvent.State


def due_now() -> None:
    OutboundEvent.objects.filter(state=State.PENDING).update(next_attempt_at=timezone.now())


def test_events_arrive_signed_and_are_marked_delivered(alice, outbound):
    message = services.notify(alice, "hello")
    services.mark_read(user=alice, ids=[message.id])
    assert sender.deliver_due() == 2
    assert outbound.types() == ["message.created", "message.read"]
    assert outbound.refused == 0
    rows = list(OutboundEvent.objects.order_by("id"))
    assert [r.webhook_id for r in rows] == [r.webhook_id for r in outbound.verified]
    assert all(r.state == State.DELIVERED and r.attempts == 1 for r in rows)
    assert outbound.verified[0].payload["data"]["message"]["text"] == "hello"
    assert sender.deliver_due() == 0  # nothing is sent twice


def test_the_signature_is_standard_webhooks_v1_over_id_timestamp_body(alice, outbound):
    services.notify(alice, "hello")
    sender.deliver_due()
    request = outbound.requests[0]
    headers = request["headers"]
    assert headers["webhook-signature"].startswith("v1,")
    # Any other secret, or a changed body, fails verification.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(request["body"], headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(outbound.secret).verify(request["body"] + b" ", headers)


def test_an_outage_backs_off_then_delivers_in_order(alice, outbound, settings):
    settings.OUTBOUND_WEBHOOK_RETRY_BASE = 10
    outbound.status = 503
    for n in range(3):
        services.notify(alice, f"m{n}")
    before = timezone.now()
    assert sender.deliver_due() == 3
    # One probe: the first failed, the other two wait as long without an attempt.
    assert len(outbound.requests) == 1
    rows = list(OutboundEvent.objects.order_by("id"))
    assert [r.attempts for r in rows] == [1, 0, 0]
    assert rows[0].last_error == "HTTP 503"
    wait = (rows[0].next_attempt_at - before).total_seconds()
    assert 5 <= wait <= 11  # half to all of RETRY_BASE
    assert {r.next_attempt_at for r in rows} == {rows[0].next_attempt_at}
    assert sender.deliver_due() == 0  # not due yet
    due_now()
    sender.deliver_due()
    assert [r.attempts for r in OutboundEvent.objects.order_by("id")] == [2, 0, 0]
    outbound.status = 200
    due_now()
    assert sender.deliver_due() == 3
    assert [r.payload["data"]["message"]["text"] for r in outbound.verified] == ["m0", "m1", "m2"]
    assert set(OutboundEvent.objects.values_list("state", flat=True)) == {State.DELIVERED}


def test_a_refused_event_does_not_hold_back_the_others(alice, outbound):
    outbound.secret = "whsec_" + "B" * 32  # the receiver knows another secret: 401
    services.notify(alice, "one")
    services.notify(alice, "two")
    sender.deliver_due()
    assert len(outbound.requests) == 2  # a 4xx is this event's problem, not the endpoint's
    assert outbound.refused == 2
    assert [r.attempts for r in OutboundEvent.objects.all()] == [1, 1]


def test_backoff_doubles_with_jitter_up_to_the_cap(settings):
    settings.OUTBOUND_WEBHOOK_RETRY_BASE = 5
    settings.OUTBOUND_WEBHOOK_RETRY_MAX = 3600
    assert all(2.5 <= sender.backoff(1) <= 5 for _ in range(50))
    assert all(20 <= sender.backoff(4) <= 40 for _ in range(50))
    assert all(1800 <= sender.backoff(100) <= 3600 for _ in range(50))
    assert len({sender.backoff(3) for _ in range(20)}) > 1  # jittered


def test_dead_after_the_last_attempt_then_redriven_by_command_and_admin(alice, outbound, settings):
    settings.OUTBOUND_WEBHOOK_MAX_ATTEMPTS = 2
    outbound.status = 500
    services.notify(alice, "one")
    services.notify(alice, "two")
    for _ in range(4):
        due_now()
        sender.deliver_due()
    assert list(OutboundEvent.objects.values_list("state", flat=True)) == [State.DEAD] * 2
    due_now()
    assert sender.deliver_due() == 0  # dead events are not sent
    outbound.status = 200
    first, second = OutboundEvent.objects.order_by("id")
    call_command("redrive_webhooks", str(first.pk), stdout=io.StringIO())
    request = RequestFactory().post("/")
    request.user = alice
    request._messages = _Messages()
    OutboundEventAdmin(OutboundEvent, site).redrive(
        request, OutboundEvent.objects.filter(pk=second.pk)
    )
    assert sender.deliver_due() == 2
    assert outbound.types() == ["message.created"] * 2
    rows = list(OutboundEvent.objects.order_by("id"))
    assert [(r.state, r.redrive_count, r.attempts) for r in rows] == [(State.DELIVERED, 1, 1)] * 2


def test_loopback_is_refused_without_the_explicit_setting(alice, outbound, settings):
    settings.OUTBOUND_WEBHOOK_ALLOW_LOOPBACK = False
    services.notify(alice, "hello")
    sender.deliver_due()
    assert outbound.requests == []
    row = OutboundEvent.objects.get()
    assert row.state == State.PENDING and row.attempts == 1
    assert "non-public address" in row.last_error


def test_a_crashed_sender_leaves_its_claim_due_after_the_lease(alice, outbound):
    services.notify(alice, "hello")
    claimed = sender._claim(sender.BATCH)  # claimed, then the process "dies"
    assert len(claimed) == 1 and sender.deliver_due() == 0
    OutboundEvent.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sender.deliver_due() == 1
    assert outbound.types() == ["message.created"]


def test_delivered_events_are_purged_after_the_keep_days(alice, outbound, settings):
    settings.OUTBOUND_WEBHOOK_KEEP_DAYS = 7
    services.notify(alice, "old")
    services.notify(alice, "new")
    sender.deliver_due()
    old = OutboundEvent.objects.order_by("id").first()
    OutboundEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert sender.purge_delivered() == 1
    assert OutboundEvent.objects.count() == 1


def test_the_backlog_is_in_the_metrics(alice, outbound, client, settings):
    settings.METRICS_TOKEN = "m" * 32
    outbound.status = 503
    services.notify(alice, "one")
    services.notify(alice, "two")
    sender.deliver_due()
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "m" * 32).content.decode()
    assert 'outbound_webhook_events{state="pending"} 2.0' in text
    assert 'outbound_webhook_events{state="dead"} 0.0' in text
    assert 'outbound_webhook_attempts_total{outcome="failed"}' in text


class _Messages:
    def add(self, *args, **kwargs) -> None:
        pass
