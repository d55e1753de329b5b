"""What the inbox tests share: a logged-in client, and the rows a page shows."""

import re

from django.test import Client


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_ids(html: str) -> list[int]:
    """The message ids of the inbox rows in `html`, in page order."""
    return [int(i) for i in re.findall(r'class="inbox-item[^"]*" data-id="(\d+)"', html)]
