"""Partner systems (an outside PMS): their API keys, their ids for our stays, the answers kept for their
Idempotency-Keys, and the webhooks we send them (a delivery is a row first, then attempts)."""

from django.db import models
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from rooms.models import Stay


class Partner(models.Model):
    """One outside system. Its keys may be rotated; its stays and webhooks stay with it."""

    name = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self):
        return super().get_usable_keys().select_related("partner")


class PartnerKey(AbstractAPIKey):
    """A hashed, revocable API key with an optional expiry and the scopes it grants."""

    objects = PartnerKeyManager()

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    scopes = models.JSONField(default=list, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"


class PartnerStay(models.Model):
    """A stay made through the API belongs to the partner that made it, with that partner's own
    reservation id (unique per partner, so a PMS can look its reservations up by its own id)."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="stays")
    stay = models.OneToOneField(Stay, on_delete=models.CASCADE, related_name="partner_link")
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_id"],
                condition=~Q(external_id=""),
                name="partner_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.external_id or '-'} -> stay {self.stay_id}"


class IdempotencyRecord(models.Model):
    """The answer to a partner's write, kept under its Idempotency-Key: the same key and body get the
    same answer again; the unique key makes concurrent replays produce one effect."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null: still in flight
    response_body = models.JSONField(null=True, blank=True)
    # while in flight: until when the request holds the key; a request that died (a killed worker) lets
    # it go when this passes, and the client's retry takes it over
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="idempotency_key_per_partner")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key} {self.method} {self.path} ({self.status_code or 'in flight'})"


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="whsec_ + base64: the Standard Webhooks secret.")
    event_types = models.JSONField(default=list, blank=True, help_text="Empty: every event.")
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .webhook_urls import WebhookUrlRefused, check_url

        try:
            check_url(self.url)  # the manager's page refuses what the API refuses
        except WebhookUrlRefused as exc:
            raise ValidationError({"url": exc.message}) from None

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (not retried)"


class WebhookDelivery(models.Model):
    """One event for one endpoint. Sent in order per endpoint; retried with backoff until delivered,
    refused for good (a 4xx other than 408/429), or the endpoint is disabled."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["endpoint", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"


class PbxLinkWatch(models.Model):
    """The PBX link state partners were last told (one row), so pbx.link_down / pbx.link_up go out once
    per change, read from the link's own record without the PBX link knowing about partners."""

    link_down = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "down" if self.link_down else "up"
