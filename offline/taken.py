"""Taken once: what each channel (Web Push, the email digest) took, so it sends a message
at most once (docs/inbox.md, "Web Push" and "Email").

A channel takes messages with `claim` only: one `INSERT ... SELECT ... ON CONFLICT DO
NOTHING RETURNING` that inserts a `Taken` row for each message still unread and unseen,
and skips a row already there. Two overlapping runs, in one process or many, may pick
the same message; the unique (message, channel) row goes to one of them, the other's
insert skips it without an error, so nothing is sent twice and no run fails. The
channels are independent: a message emailed may still be pushed, and the other way round.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connections
from django.db.models import CharField, DateTimeField, Exists, OuterRef, QuerySet, Value

from notifications.models import Message
from offline.models import Channel, Taken


def not_taken(messages: QuerySet[Message], *, channel: Channel) -> QuerySet[Message]:
    """`messages` without those `channel` took already."""
    taken = Taken.objects.filter(message_id=OuterRef("pk"), channel=channel)
    return messages.exclude(Exists(taken))


def claim(*, channel: Channel, ids: Iterable[int], now: datetime) -> list[int]:
    """Take for `channel`, at `now`, the messages among `ids` still unread, unseen and
    not taken by it; returns the ids it took, sorted (the others are someone else's)."""
    ids = list(ids)
    if not ids:
        return []
    still = (
        Message.objects.unread()
        .filter(pk__in=ids, seen_at__isnull=True)
        .order_by()
        .annotate(
            taken_channel=Value(str(channel), output_field=CharField()),
            taken_now=Value(now, output_field=DateTimeField()),
        )
        .values_list("pk", "taken_channel", "taken_now")
    )
    connection = connections[Taken.objects.db]
    select, params = still.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    fields = [Taken._meta.get_field(name) for name in ("message", "channel", "taken_at")]
    columns = ", ".join(quote(field.column) for field in fields)
    # Raw SQL because the ORM's bulk_create(ignore_conflicts=True) cannot say which rows
    # it inserted; built from the models' metadata and the ORM's own compiled SELECT.
    # The SELECT has a WHERE, as SQLite needs before ON CONFLICT in INSERT ... SELECT.
    sql = (
        f"INSERT INTO {quote(Taken._meta.db_table)} ({columns}) {select} "
        f"ON CONFLICT DO NOTHING RETURNING {quote(fields[0].column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def give_back(*, channel: Channel, ids: Iterable[int]) -> None:
    """Untake messages `channel` could not send, so its next run tries them again."""
    Taken.objects.filter(channel=channel, message_id__in=list(ids)).delete()


def forget(*, ids: Iterable[int], channels: Iterable[Channel] = tuple(Channel)) -> None:
    """The messages are news again (woken, new content): `channels` may take them again."""
    ids = list(ids)
    if ids:
        Taken.objects.filter(message_id__in=ids, channel__in=list(channels)).delete()
