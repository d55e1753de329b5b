from django.contrib import admin

from uploads.models import AudioFile


@admin.register(AudioFile)
class AudioFileAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "owner", "status", "transcoder", "progress", "created_at"]
    list_filter = ["status", "transcoder"]
    search_fields = ["name", "owner__username", "job_id"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at", "finished_at"]
