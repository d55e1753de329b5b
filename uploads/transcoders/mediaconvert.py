"""AWS Elemental MediaConvert: one job per file, input and output in the S3 bucket.

Outcomes come back as "MediaConvert Job State Change" events (EventBridge rule -> SNS
topic -> our webhook), carrying the UserMetadata set here. See docs/uploads.md.
"""

import logging
import posixpath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from uploads import aws
from uploads.models import AudioFile
from uploads.storage import s3_uri
from uploads.transcoders import TranscoderError

logger = logging.getLogger(__name__)

AUDIO_SELECTOR = "Audio Selector 1"


class MediaConvertTranscoder:
    def __init__(self, client: Any = None) -> None:
        self.client = client

    def submit(self, audio_file: AudioFile) -> str:
        client = self.client or aws.client(
            "mediaconvert", endpoint_url=settings.MEDIACONVERT_ENDPOINT_URL
        )
        try:
            response = client.create_job(**job_request(audio_file))
        except (BotoCoreError, ClientError) as exc:
            logger.warning("MediaConvert create_job for file %s failed: %s", audio_file.pk, exc)
            raise TranscoderError("the transcoding service refused the job") from exc
        return response["Job"]["Id"]


def job_request(audio_file: AudioFile) -> dict[str, Any]:
    """The CreateJob parameters: the original in, one MP3 out next to it."""
    folder = posixpath.dirname(audio_file.original.name)
    request: dict[str, Any] = {
        "Role": settings.MEDIACONVERT_ROLE_ARN,
        # Strings only; the webhook reads it back from the job state change event.
        "UserMetadata": {"file_id": str(audio_file.pk)},
        # STATUS_UPDATE events (with jobPercentComplete) once a minute while it runs.
        "StatusUpdateInterval": "SECONDS_60",
        "Settings": {
            "Inputs": [
                {
                    "FileInput": s3_uri(audio_file.original.name),
                    "AudioSelectors": {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}},
                }
            ],
            "OutputGroups": [
                {
                    "Name": "File Group",
                    "OutputGroupSettings": {
                        "Type": "FILE_GROUP_SETTINGS",
                        # A folder: MediaConvert names the file <input stem>.mp3, which is
                        # uploads.transcoders.output_name.
                        "FileGroupSettings": {"Destination": s3_uri(f"{folder}/transcoded/")},
                    },
                    "Outputs": [
                        {
                            "Extension": "mp3",
                            "ContainerSettings": {"Container": "RAW"},
                            "AudioDescriptions": [
                                {
                                    "AudioSourceName": AUDIO_SELECTOR,
                                    "CodecSettings": {
                                        "Codec": "MP3",
                                        "Mp3Settings": {
                                            "Bitrate": 192000,
                                            "Channels": 2,
                                            "RateControlMode": "CBR",
                                            "SampleRate": 48000,
                                        },
                                    },
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    }
    if settings.MEDIACONVERT_QUEUE_ARN:
        request["Queue"] = settings.MEDIACONVERT_QUEUE_ARN
    return request
