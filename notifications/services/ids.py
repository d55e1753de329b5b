"""The ids a client names, as the services take them."""

from collections.abc import Iterable

from notifications.models import is_id


def int_ids(ids: Iterable[int]) -> set[int]:
    """The ids that can be message ids. Out-of-range ids are unknown ids, ignored as the
    services ignore foreign ones: the database driver would raise on them."""
    return {i for i in ids if is_id(i)}
