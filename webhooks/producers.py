"""What a verified Notification's `Message` says, per producer. Pure: no ORM, no I/O.

Each producer's payload becomes zero or more `uploads.events.JobEvent`s. Unknown keys are
ignored (AWS adds fields); an unknown shape raises `UnknownPayload`, and the caller keeps
the message as unmatched rather than dropping it.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from uploads.events import JobEvent, JobState

MEDIACONVERT = "mediaconvert"
ELASTIC_TRANSCODER = "elastic-transcoder"
S3 = "s3"

MEDIACONVERT_STATES = {
    "INPUT_INFORMATION": JobState.PROCESSING,
    "PROGRESSING": JobState.PROCESSING,
    "STATUS_UPDATE": JobState.PROCESSING,
    # A hop moves the job between queues; it has not necessarily started.
    "QUEUE_HOP": JobState.QUEUED,
    "COMPLETE": JobState.DONE,
    "ERROR": JobState.FAILED,
    "CANCELED": JobState.FAILED,
}
ELASTIC_TRANSCODER_STATES = {
    "PROGRESSING": JobState.PROCESSING,
    # A warning does not end the job; COMPLETED or ERROR follows.
    "WARNING": JobState.PROCESSING,
    "COMPLETED": JobState.DONE,
    "ERROR": JobState.FAILED,
}
MAX_ERROR = 500


class UnknownPayload(ValueError):
    """The Message is not a shape any producer sends."""


@dataclass(frozen=True)
class Parsed:
    producer: str
    events: tuple[JobEvent, ...] = ()
    # Why there is nothing to apply (kept with the unmatched message).
    note: str = ""
    # Nothing to apply and nothing to keep (S3's test event on configuration).
    ignorable: bool = False


def parse_payload(payload: Any) -> Parsed:
    """Route a decoded Message to its producer's parser; UnknownPayload if none fits."""
    if not isinstance(payload, dict):
        raise UnknownPayload("Message is not a JSON object")
    if payload.get("source") == "aws.mediaconvert":
        return parse_mediaconvert(payload)
    if {"state", "jobId", "pipelineId"} <= payload.keys():
        return parse_elastic_transcoder(payload)
    if "Records" in payload or payload.get("Event") == "s3:TestEvent":
        return parse_s3(payload)
    raise UnknownPayload("Message matches no known producer")


def parse_mediaconvert(payload: dict[str, Any]) -> Parsed:
    """An EventBridge "MediaConvert Job State Change" event."""
    detail = payload.get("detail")
    if payload.get("detail-type") != "MediaConvert Job State Change" or not isinstance(
        detail, dict
    ):
        raise UnknownPayload("MediaConvert event without a job state change detail")
    job_id, status = detail.get("jobId"), detail.get("status")
    if not isinstance(job_id, str) or not job_id or not isinstance(status, str):
        raise UnknownPayload("MediaConvert event without jobId or status")
    state = MEDIACONVERT_STATES.get(status)
    if state is None:
        return Parsed(MEDIACONVERT, note=f"MediaConvert status {status[:40]} is not applied")
    extra = {"producer": MEDIACONVERT, "status": status}
    if isinstance(payload.get("id"), str):
        extra["event_id"] = payload["id"]
    error, output, progress = "", "", None
    if status == "STATUS_UPDATE":
        progress = _percent(_get(detail, "jobProgress", "jobPercentComplete"))
    elif status == "COMPLETE":
        output = _mediaconvert_output(detail.get("outputGroupDetails"))
    elif status == "ERROR":
        message = detail.get("errorMessage")
        error = message if isinstance(message, str) and message else "MediaConvert job failed"
        if isinstance(detail.get("errorCode"), int | str):
            extra["error_code"] = str(detail["errorCode"])
            error = f"{error} (code {detail['errorCode']})"
    elif status == "CANCELED":
        error = "the job was canceled"
    event = JobEvent(
        job_id=job_id,
        state=state,
        error=error[:MAX_ERROR],
        output=output,
        progress=progress,
        file_id=_file_id(detail.get("userMetadata")),
        extra=extra,
    )
    return Parsed(MEDIACONVERT, events=(event,))


def _mediaconvert_output(groups: Any) -> str:
    """The first output file, preferring a plain file group (our audio jobs use one)."""
    if not isinstance(groups, list):
        return ""
    ordered = sorted(
        (g for g in groups if isinstance(g, dict)), key=lambda g: g.get("type") != "FILE_GROUP"
    )
    for group in ordered:
        for output in group.get("outputDetails") or []:
            paths = output.get("outputFilePaths") if isinstance(output, dict) else None
            if isinstance(paths, list) and paths and isinstance(paths[0], str):
                return paths[0]
        playlists = group.get("playlistFilePaths")
        if isinstance(playlists, list) and playlists and isinstance(playlists[0], str):
            return playlists[0]
    return ""


def parse_elastic_transcoder(payload: dict[str, Any]) -> Parsed:
    """A legacy Elastic Transcoder job notification (end of support: 2025-11-13)."""
    job_id, status = payload.get("jobId"), payload.get("state")
    if not isinstance(job_id, str) or not job_id or not isinstance(status, str):
        raise UnknownPayload("Elastic Transcoder notification without jobId or state")
    state = ELASTIC_TRANSCODER_STATES.get(status)
    if state is None:
        return Parsed(ELASTIC_TRANSCODER, note=f"Elastic Transcoder state {status[:40]} unknown")
    outputs = [o for o in payload.get("outputs") or [] if isinstance(o, dict)]
    extra = {"producer": ELASTIC_TRANSCODER, "status": status}
    output, error = "", ""
    if state == JobState.DONE and outputs and isinstance(outputs[0].get("key"), str):
        prefix = payload.get("outputKeyPrefix")
        output = (prefix if isinstance(prefix, str) else "") + outputs[0]["key"]
    if status in {"ERROR", "WARNING"}:
        details = [payload.get("messageDetails")] + [o.get("statusDetail") for o in outputs]
        error = next((d for d in details if isinstance(d, str) and d), "")
        if payload.get("errorCode") is not None:
            extra["error_code"] = str(payload["errorCode"])
        if status == "WARNING":
            extra["warning"], error = error[:MAX_ERROR], ""
        else:
            error = error or "Elastic Transcoder job failed"
    event = JobEvent(
        job_id=job_id,
        state=state,
        error=error[:MAX_ERROR],
        output=output,
        file_id=_file_id(payload.get("userMetadata")),
        extra=extra,
    )
    return Parsed(ELASTIC_TRANSCODER, events=(event,))


def parse_s3(payload: dict[str, Any]) -> Parsed:
    """S3 event notifications: no job to move, so nothing is applied; the keys are noted."""
    if payload.get("Event") == "s3:TestEvent":
        return Parsed(S3, note="S3 test event", ignorable=True)
    records = payload.get("Records")
    if not isinstance(records, list) or not records:
        raise UnknownPayload("S3 notification without Records")
    keys = []
    for record in records:
        if not isinstance(record, dict) or record.get("eventSource") != "aws:s3":
            raise UnknownPayload("Records entry is not an S3 event")
        key = _get(record, "s3", "object", "key")
        bucket = _get(record, "s3", "bucket", "name")
        name = record.get("eventName")
        # S3 form-encodes object keys (a space arrives as "+").
        keys.append(f"{name} s3://{bucket}/{unquote_plus(key) if isinstance(key, str) else '?'}")
    return Parsed(S3, note="S3 event, no handler: " + "; ".join(keys)[:400])


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _percent(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, min(100, int(value)))


def _file_id(metadata: Any) -> int | None:
    """Our AudioFile id from the job's user metadata (always strings in AWS's map)."""
    value = metadata.get("file_id") if isinstance(metadata, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None
