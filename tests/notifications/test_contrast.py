"""Toast and badge colours in app.css meet WCAG AA for normal text (4.5:1)."""

import re

import pytest

from tests.conftest import REPO

CSS = (REPO / "static" / "notifications" / "app.css").read_text()
VARS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("level", ["info", "success", "warning", "error"])
def test_level_colours_pass_aa(level):
    assert contrast(VARS[f"{level}-fg"], VARS[f"{level}-bg"]) >= 4.5


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("fg", "bg"),
        ("muted", "bg"),
        ("badge-fg", "badge-bg"),
        ("badge-fg", "badge-zero-bg"),
        ("link", "bg"),
        ("offline", "bg"),
        ("info-fg", "info-bg"),  # the burst summary toast
        ("fg", "unread-bg"),  # unread inbox rows
        ("link", "unread-bg"),
        ("muted", "unread-bg"),
    ],
)
def test_page_colours_pass_aa(fg, bg):
    assert contrast(VARS[fg], VARS[bg]) >= 4.5
