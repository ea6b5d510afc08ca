from django.contrib import admin

from .models import CallRecord


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ("started_at", "call_type", "status", "caller", "callee", "talk_seconds", "room", "stay")
    list_filter = ("call_type", "status")
    search_fields = ("callid", "caller", "callee")
