"""The manager's pages for partners: keys (the key is shown once, on creation), webhook endpoints, and
the delivery log with latency and a replay action."""

from django.contrib import admin, messages
from django.db import models
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import webhooks
from .models import Partner, PartnerKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint

admin.site.unregister(APIKey)  # the library's own key model is unused: partners' keys are PartnerKey


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(PartnerKey)
class PartnerKeyAdmin(APIKeyModelAdmin):
    list_display = (
        "prefix",
        "partner",
        "name",
        "scopes",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    )
    list_filter = ("partner", "revoked")
    fields = ("partner", "name", "scopes", "expiry_date", "revoked", "prefix")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("partner", "url", "is_active", "failing_since", "disabled_reason")
    list_filter = ("is_active", "partner")
    readonly_fields = ("failing_since", "disabled_reason", "secret")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL without one is https

    def save_model(self, request, obj, form, change):
        if not obj.secret:  # an endpoint added here signs like one registered through the API
            from .services import new_webhook_secret

            obj.secret = new_webhook_secret()
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "status_code", "latency_ms", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "latency",
        "created_at",
    )
    list_filter = ("status", "event_type", "endpoint__partner")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.display(description="last latency (ms)")
    def latency(self, delivery):
        last = delivery.attempt_log.order_by("-id").first()
        return last.latency_ms if last else None

    @admin.action(description="Send again")
    def replay(self, request, queryset):
        for delivery in queryset:
            webhooks.replay(delivery)
        messages.info(request, f"{queryset.count()} deliveries will be sent again within seconds.")

    def has_add_permission(self, request):
        return False
