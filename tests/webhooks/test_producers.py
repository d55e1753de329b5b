"""Producer parsers against the shared transcoder payloads. No database."""

import json
from pathlib import Path

import pytest

from uploads.events import JobEvent, JobState
from webhooks import producers
from webhooks.producers import Parsed, UnknownPayload


@pytest.fixture
def payloads(shared_fixtures: Path) -> Path:
    return shared_fixtures / "transcoder"


def load(payloads: Path, name: str, **detail: object) -> dict:
    data = json.loads((payloads / name).read_text())
    if detail:
        data["detail"].update(detail)
    return data


def only_event(parsed: Parsed) -> JobEvent:
    (event,) = parsed.events
    return event


@pytest.mark.parametrize(
    ("name", "state", "job_id"),
    [
        ("progressing_docs.json", JobState.PROCESSING, None),
        ("input-information_docs.json", JobState.PROCESSING, None),
        ("status-update_docs.json", JobState.PROCESSING, "1671477617078-2886ye"),
        ("queue-hop_docs.json", JobState.QUEUED, "1515368087458-qnoxtd"),
        ("complete_docs.json", JobState.DONE, "1671476818694-phptj0"),
        ("error_docs.json", JobState.FAILED, "1515368087458-qnoxtd"),
    ],
)
def test_mediaconvert_documented_events(payloads: Path, name: str, state, job_id) -> None:
    data = load(payloads, f"mediaconvert/{name}")
    parsed = producers.parse_payload(data)
    event = only_event(parsed)
    assert parsed.producer == producers.MEDIACONVERT
    assert event.state == state
    assert event.job_id == (job_id or data["detail"]["jobId"])
    assert event.extra["status"] == data["detail"]["status"]
    assert event.extra["event_id"] == data["id"]
    assert event.file_id is None  # userMetadata is {} in every doc example
    # Events cross Redis and the database: JSON types only.
    assert json.loads(json.dumps(event.extra)) == event.extra


def test_mediaconvert_complete_carries_output_and_file_id(payloads: Path) -> None:
    data = load(payloads, "mediaconvert/complete_docs.json", userMetadata={"file_id": "12"})
    event = only_event(producers.parse_payload(data))
    assert event.output == "s3://DOC-EXAMPLE-BUCKET/file/file.mp4"
    assert event.file_id == 12
    assert event.error == ""


def test_mediaconvert_status_update_progress(payloads: Path) -> None:
    event = only_event(
        producers.parse_payload(load(payloads, "mediaconvert/status-update_docs.json"))
    )
    assert event.progress == 7


def test_mediaconvert_error_message_and_code(payloads: Path) -> None:
    event = only_event(producers.parse_payload(load(payloads, "mediaconvert/error_docs.json")))
    assert event.error == "Example error message (code 1040)"
    assert event.extra["error_code"] == "1040"


def test_mediaconvert_prefers_the_file_group_output(payloads: Path) -> None:
    data = load(payloads, "mediaconvert/complete_docs.json")
    hls = {
        "type": "HLS_GROUP",
        "playlistFilePaths": ["s3://b/hls/index.m3u8"],
        "outputDetails": [{"outputFilePaths": ["s3://b/hls/a.m3u8"]}],
    }
    data["detail"]["outputGroupDetails"].insert(0, hls)
    assert (
        only_event(producers.parse_payload(data)).output == "s3://DOC-EXAMPLE-BUCKET/file/file.mp4"
    )
    data["detail"]["outputGroupDetails"] = [{**hls, "outputDetails": []}]
    assert only_event(producers.parse_payload(data)).output == "s3://b/hls/index.m3u8"


@pytest.mark.parametrize(
    ("metadata", "file_id"),
    [
        ({"file_id": "12"}, 12),
        ({"file_id": 12}, None),
        ({"file_id": "x1"}, None),
        ({"file_id": "١٢"}, None),
        ({}, None),
        ("12", None),
        ({"file_id": "9" * 30}, None),
    ],
)
def test_file_id_only_from_a_decimal_string(payloads: Path, metadata, file_id) -> None:
    data = load(payloads, "mediaconvert/progressing_docs.json", userMetadata=metadata)
    assert only_event(producers.parse_payload(data)).file_id == file_id


def test_mediaconvert_canceled_is_failed_and_unknown_status_is_noted(payloads: Path) -> None:
    data = load(payloads, "mediaconvert/progressing_docs.json", status="CANCELED")
    assert only_event(producers.parse_payload(data)).state == JobState.FAILED
    data = load(payloads, "mediaconvert/progressing_docs.json", status="NEW_WARNING")
    parsed = producers.parse_payload(data)
    assert parsed.events == () and "NEW_WARNING" in parsed.note and not parsed.ignorable


@pytest.mark.parametrize(
    "change",
    [
        {"detail-type": "Something Else"},
        {"detail": "x"},
        {"detail": {"status": "COMPLETE"}},
        {"detail": {"jobId": "", "status": "COMPLETE"}},
    ],
)
def test_mediaconvert_without_job_is_unknown(payloads: Path, change: dict) -> None:
    data = {**load(payloads, "mediaconvert/complete_docs.json"), **change}
    with pytest.raises(UnknownPayload):
        producers.parse_payload(data)


def test_elastic_transcoder_real_completed_payload(payloads: Path) -> None:
    data = json.loads((payloads / "elastic-transcoder/job-completed_real_2015.json").read_text())
    parsed = producers.parse_payload(data)
    event = only_event(parsed)
    assert parsed.producer == producers.ELASTIC_TRANSCODER
    assert (event.job_id, event.state) == ("1420795973893-ki3338", JobState.DONE)
    assert event.output == "JLQavt8PylmckTMS1351620000001000061.mp4"
    assert event.file_id is None


@pytest.mark.parametrize(
    ("state", "expected", "error"),
    [
        ("PROGRESSING", JobState.PROCESSING, ""),
        ("WARNING", JobState.PROCESSING, ""),
        ("ERROR", JobState.FAILED, "bad input"),
    ],
)
def test_elastic_transcoder_states(payloads: Path, state: str, expected, error: str) -> None:
    data = json.loads((payloads / "elastic-transcoder/job-completed_real_2015.json").read_text())
    data.update(state=state, userMetadata={"file_id": "7"}, messageDetails="bad input")
    event = only_event(producers.parse_payload(data))
    assert (event.state, event.error, event.file_id, event.output) == (expected, error, 7, "")


def test_s3_object_created_is_noted_not_applied(payloads: Path) -> None:
    data = json.loads((payloads / "s3/object-created-put_real_2021.json").read_text())
    parsed = producers.parse_payload(data)
    assert parsed.producer == producers.S3 and parsed.events == () and not parsed.ignorable
    assert "ObjectCreated:Put s3://jns-test-1/FXT-6993.csv" in parsed.note


def test_s3_key_is_form_decoded() -> None:
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "b"}, "object": {"key": "my+song%21.wav"}},
    }
    assert "s3://b/my song!.wav" in producers.parse_payload({"Records": [record]}).note


def test_s3_test_event_is_ignorable() -> None:
    parsed = producers.parse_payload({"Service": "Amazon S3", "Event": "s3:TestEvent"})
    assert parsed.ignorable and parsed.events == ()


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        3,
        None,
        {},
        {"hello": "world"},
        {"Records": []},
        {"Records": [{"x": 1}]},
        {"state": "COMPLETED", "jobId": 5, "pipelineId": "p"},
    ],
)
def test_unknown_shapes(payload) -> None:
    with pytest.raises(UnknownPayload):
        producers.parse_payload(payload)
