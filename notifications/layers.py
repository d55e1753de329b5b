"""Deprecated: the channel layers moved to live/layers.py.

Kept so that a deployment whose CHANNEL_LAYERS (or environment) still names
`notifications.layers.PipelinedPubSubLayer` or `...LocalChannelLayer` keeps working.
"""

from live.layers import LocalChannelLayer, PipelinedPubSubLayer

__all__ = ["LocalChannelLayer", "PipelinedPubSubLayer"]
