"""Amazon Elastic Transcoder, for accounts that still run old pipelines.

AWS discontinued Elastic Transcoder on 13 November 2025: after that date its console and
resources are no longer available. Use the `mediaconvert` backend for anything new; this
one stays only for users with existing pipelines.

botocore dropped the service's model after the end of support (the pinned release has
none), so this backend needs a botocore data folder that has it, named in AWS_DATA_PATH
(botocore's own mechanism for extra models), or an older botocore; without one, jobs
fail with a message that says so.

The pipeline's input and output buckets must be AWS_STORAGE_BUCKET_NAME, and its SNS
notifications (progressing, completed, error) go to the topic our webhook subscribes to.
"""

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, UnknownServiceError
from django.conf import settings

from uploads import aws
from uploads.models import AudioFile
from uploads.transcoders import TranscoderError, output_name

logger = logging.getLogger(__name__)


class ElasticTranscoder:
    def __init__(self, client: Any = None) -> None:
        self.client = client

    def submit(self, audio_file: AudioFile) -> str:
        try:
            client = self.client or aws.client("elastictranscoder")
        except UnknownServiceError as exc:
            logger.error("botocore has no Elastic Transcoder model; see docs/uploads.md")
            raise TranscoderError("Elastic Transcoder is not available on this server") from exc
        try:
            response = client.create_job(**job_request(audio_file))
        except (BotoCoreError, ClientError) as exc:
            logger.warning("Elastic Transcoder create_job for %s failed: %s", audio_file.pk, exc)
            raise TranscoderError("the transcoding service refused the job") from exc
        return response["Job"]["Id"]


def job_request(audio_file: AudioFile) -> dict[str, Any]:
    """The CreateJob parameters; keys are relative to the pipeline's buckets."""
    return {
        "PipelineId": settings.ELASTIC_TRANSCODER_PIPELINE_ID,
        "Input": {"Key": audio_file.original.name},
        "Output": {
            "Key": output_name(audio_file),
            "PresetId": settings.ELASTIC_TRANSCODER_PRESET_ID,
        },
        # Echoed as `userMetadata` in the pipeline's SNS notifications.
        "UserMetadata": {"file_id": str(audio_file.pk)},
    }
