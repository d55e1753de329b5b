"""The one door for writes: every adapter (views, the JSON API, the socket, the SNS entry,
commands) changes messages through a function named here, never through the writers
behind it (tests/project/test_layering.py says so).

- creating and editing (`messages.py`): `notify`, `edit_message`, `notify_users`,
  `notify_specs`, and `notify_one` through the batching writer;
- read, unread, seen (`reads.py`): `mark_read`, `mark_all_read`, `mark_unread`,
  `mark_seen`, and `ack` through the batching writer; one writer for mark-read;
- tidying the inbox (`inbox.py`): `archive`, `unarchive`, `delete`;
- the batching writer's door (`batched.py`): `submit` for another app's job handler (the
  SNS webhook's), `JobHandler` and the `Send`s it returns, `Overloaded` when its queue
  is full.

Every `notification` frame is built by notifications/frames.py (preferences honoured)
and sent after commit by `live` (live/__init__.py). The writers behind this door:
notifications/bulk.py (many rows at once) and notifications/writer.py (the batching
writer). The only other write is bookkeeping users never see: the retention purge of
read messages. (What Web Push and the email digest took is offline/'s own table.)
"""

from notifications.bulk import FanOut as FanOut
from notifications.bulk import NotifySpec as NotifySpec
from notifications.bulk import Refused as Refused
from notifications.bulk import Stored as Stored
from notifications.services.batched import JobHandler as JobHandler
from notifications.services.batched import Overloaded as Overloaded
from notifications.services.batched import Send as Send
from notifications.services.batched import submit as submit
from notifications.services.inbox import archive as archive
from notifications.services.inbox import delete as delete
from notifications.services.inbox import unarchive as unarchive
from notifications.services.messages import FANOUT_ATTEMPTS as FANOUT_ATTEMPTS
from notifications.services.messages import edit_message as edit_message
from notifications.services.messages import notify as notify
from notifications.services.messages import notify_one as notify_one
from notifications.services.messages import notify_specs as notify_specs
from notifications.services.messages import notify_users as notify_users
from notifications.services.reads import ack as ack
from notifications.services.reads import mark_all_read as mark_all_read
from notifications.services.reads import mark_read as mark_read
from notifications.services.reads import mark_seen as mark_seen
from notifications.services.reads import mark_unread as mark_unread

# InvalidNotification is re-exported: producers catch services.InvalidNotification.
from notifications.validators import InvalidNotification as InvalidNotification
