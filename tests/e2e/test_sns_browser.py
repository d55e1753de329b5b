"""A signed MediaConvert COMPLETE event, POSTed to the running app, reaches the owner's tab."""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.webhooks.factories import TOPIC_ARN, Pki, body, notification

pytestmark = pytest.mark.browser
JOB_ID = "1700000000000-abc123"

MAKE_FILE = """
from django.contrib.auth import get_user_model
from uploads.models import AudioFile
f = AudioFile.objects.create(owner=get_user_model().objects.get(username="alice"),
    name="song.wav", original="audio/1/x/song.wav", status="processing",
    transcoder="mediaconvert", job_id=%r)
print(f.pk)
"""
COUNT = "from notifications.models import Message; print(Message.objects.count())"


def post(url: str, data: bytes) -> int:
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "text/plain; charset=UTF-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_signed_complete_event_shows_once_and_a_forgery_does_nothing(
    browser, make_stack, shared_fixtures, tmp_path
):
    certs = tmp_path / "certs"
    certs.mkdir()
    pki = Pki(certs)
    stack = make_stack(extra_env={"SNS_CERT_DIR": str(certs), "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN})
    stack.create_user("alice", PASSWORD)
    stack.create_user("bob", PASSWORD)
    file_id = int(stack.manage("shell", "-v", "0", "-c", MAKE_FILE % JOB_ID))
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    alice, page = log_in(browser, base_url, "alice")
    page.goto(f"{base_url}/uploads/")
    live(page)
    bob, bob_page = log_in(browser, base_url, "bob")
    live(bob_page)

    event = json.loads((shared_fixtures / "transcoder/mediaconvert/complete_docs.json").read_text())
    event["detail"]["jobId"] = JOB_ID
    event["detail"]["userMetadata"] = {"file_id": str(file_id)}
    signed = notification(event, key=pki.key, signing_cert_url=pki.url, at=datetime.now(UTC))
    hook = f"{base_url}/webhooks/sns/"

    assert post(hook, body(signed)) == 200
    toast = page.locator(".toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("Your file song.wav is ready")
    expect(page.locator(".file-status")).to_have_attribute("data-status", "done")
    messages = stack.manage("shell", "-v", "0", "-c", COUNT)

    # SNS delivers at least once: the same delivery again changes nothing.
    assert post(hook, body(signed)) == 200
    page.wait_for_timeout(500)
    expect(toast).to_have_count(1)
    assert stack.manage("shell", "-v", "0", "-c", COUNT) == messages

    # A forgery: the same envelope with another job's outcome, signature left as it was.
    forged = dict(signed, MessageId="5b1a2f1e-0a7c-4b55-9a55-1a2b3c4d5e6f")
    forged["Message"] = signed["Message"].replace('"COMPLETE"', '"ERROR"')
    assert forged["Message"] != signed["Message"]
    assert post(hook, body(forged)) == 403
    page.wait_for_timeout(500)
    expect(toast).to_contain_text("Your file song.wav is ready")
    assert stack.manage("shell", "-v", "0", "-c", COUNT) == messages
    expect(bob_page.locator(".toast")).to_have_count(0)
    alice.close()
    bob.close()
