"""JobEvent: what every transcoder backend reports, in one shape.

The local worker, MediaConvert (EventBridge via SNS) and old Elastic Transcoder messages
(SNS; the backend is gone, its archived events are still read) all end up here, and one
service (uploads.services) applies it.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobEvent:
    job_id: str
    state: JobState
    error: str = ""
    # Storage name (key) of the transcoded file, when the backend knows it.
    output: str = ""
    # 0-100 where the backend reports progress.
    progress: int | None = None
    # Our AudioFile id from the job's user metadata, when the backend carries it.
    file_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
