from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from likeness.models import Likeness, LikenessOwner


@admin.register(LikenessOwner)
class LikenessOwnerAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "user", "created_at"]
    search_fields = ["display_name", "user__username"]


@admin.register(Likeness)
class LikenessAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "owner", "status", "licensable", "created_at"]
    list_filter = ["status", "licensable"]
    search_fields = ["display_name", "owner__display_name"]
