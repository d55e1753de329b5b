"""fanout 0001 and notifications 0012: FanOutJob moves app with its table and rows (the
migration state only), and back when migrating backwards."""

import pytest

from fanout.models import FanOutJob
from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0011_offline_moved_out"), ("fanout", None)]


def test_a_job_stored_before_the_move_is_the_same_row_after_it_and_back():
    try:
        old = migrate(BEFORE)
        Old = old.get_model("notifications", "FanOutJob")
        job = Old.objects.create(text="hello", targets={"all_active": True}, recipients=3)
        migrate(latest())
        assert FanOutJob._meta.db_table == Old._meta.db_table == "notifications_fanoutjob"
        moved = FanOutJob.objects.get(pk=job.pk)
        assert (moved.text, moved.targets, moved.recipients) == ("hello", {"all_active": True}, 3)
        again = migrate(BEFORE).get_model("notifications", "FanOutJob")
        assert again.objects.get(pk=job.pk).text == "hello"
    finally:
        migrate(latest())
