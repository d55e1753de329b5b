"""`manage.py notify` says when nothing can reach the open tabs (issue 18.8)."""

from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import Message

pytestmark = pytest.mark.django_db
WARNING = "saved; not pushed live: this process has no shared channel layer (REDIS_URL)"


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("notify", "alice", "Hello", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_a_shared_layer_it_says_the_message_was_not_pushed(alice, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "live.layers.LocalChannelLayer"}}
    out, err = run()
    assert out.strip() == str(Message.objects.get(recipient=alice).pk)
    assert WARNING in err


def test_with_the_redis_layer_it_says_nothing_more(alice, settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "live.layers.PipelinedPubSubLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "inbox-notify-test"},
        }
    }
    out, err = run()
    assert out.strip().isdigit()
    assert err == ""
