"""notifications.bulk: many messages at once."""

import pytest

from notifications import bulk

pytestmark = pytest.mark.django_db


def test_resolve_names_only_active_users(alice, make_user):
    make_user("gone", is_active=False)
    specs = [bulk.NotifySpec(text="hi", username=name) for name in ("alice", "gone", "nobody")]
    found, gone, nobody = bulk.resolve(specs)
    assert isinstance(found, bulk.NotifySpec) and found.user_id == alice.pk
    assert [r.code for r in (gone, nobody)] == ["unknown_user", "unknown_user"]
