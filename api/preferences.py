"""A user's notification preferences (docs/inbox.md, "Preferences"), as on the settings page."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from api.auth import USER
from api.errors import ApiError
from api.schemas import USER_ERRORS, DateTime, StrictIn, errors
from notifications import preferences

router = Router(auth=USER, tags=["preferences"])

LevelName = Literal["info", "success", "warning", "error"]


class PreferencesOut(Schema):
    toast: dict[LevelName, bool]
    webpush: dict[LevelName, bool]
    email: bool
    quiet_until: DateTime | None


class PreferencesPatch(StrictIn):
    """Any of the three; each level map may name any subset of the levels."""

    model_config = ConfigDict(strict=True, extra="forbid")

    # Absent is "unchanged"; null is not a value (so the document does not offer it).
    toast: dict[LevelName, bool] = None  # type: ignore[assignment]
    webpush: dict[LevelName, bool] = None  # type: ignore[assignment]
    email: bool = None  # type: ignore[assignment]


class QuietIn(StrictIn):
    for_: Literal[preferences.QUIET_FOR] = Field(alias="for")  # type: ignore[valid-type]
    tz: str = Field("", max_length=100, description="an IANA zone; default TIME_ZONE")


ANSWERS = {200: PreferencesOut, **USER_ERRORS, **errors(400, 413)}


@router.get("/", response={200: PreferencesOut, **USER_ERRORS}, url_name="preferences")
def preferences_detail(request: HttpRequest) -> dict[str, Any]:
    return preferences.snapshot_for(request.auth.pk).to_json()


@router.patch("/", response=ANSWERS, url_name="preferences_update")
def preferences_update(request: HttpRequest, payload: PreferencesPatch) -> dict[str, Any]:
    """Change some preferences; answers them all after the change."""
    changes = payload.model_dump(exclude_unset=True)
    try:
        snapshot = preferences.update_preferences(user=request.auth, changes=changes)
    except preferences.InvalidPreferences as exc:
        raise ApiError(400, "invalid_body", str(exc)) from None
    return snapshot.to_json()


@router.post("/quiet/", response=ANSWERS, url_name="preferences_quiet")
def preferences_quiet(request: HttpRequest, payload: QuietIn) -> dict[str, Any]:
    """Do not disturb for an hour, until 8:00 tomorrow in `tz`, or off."""
    try:
        snapshot = preferences.set_quiet(user=request.auth, choice=payload.for_, tz=payload.tz)
    except preferences.InvalidPreferences as exc:
        raise ApiError(400, "invalid_body", str(exc)) from None
    return snapshot.to_json()
