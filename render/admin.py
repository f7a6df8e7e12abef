from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from render.models import RenderJob


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "studio", "status", "progress", "refusal_reason", "error_code", "created_at"]
    list_filter = ["status", "media_type", "refusal_reason"]
    search_fields = ["id", "target_sha256", "output_sha256"]
