"""Fixtures for uploads: a private media folder, inline local jobs, the in-memory layer."""

from pathlib import Path

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def uploads_settings(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRANSCODER_BACKEND = "local"
    settings.TRANSCODER_LOCAL_INLINE = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield settings
    channel_layers.backends.clear()
