from django.contrib import admin

from .models import CallRecord, Folio, FolioLine, Invoice, MinibarItem, TariffVersion


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "call_type",
        "status",
        "caller",
        "callee",
        "talk_seconds",
        "reason",
        "price",
        "stay",
    )
    list_filter = ("call_type", "status", "outcome", "reason")
    search_fields = ("callid", "caller", "callee")


@admin.register(MinibarItem)
class MinibarItemAdmin(admin.ModelAdmin):
    """The minibar catalogue: managers add, reprice and retire items (inactive items cannot be posted)."""

    list_display = ("code", "name", "price", "tax_rate", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are written by the hotel's services only: the admin shows them, never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FolioLine)
class FolioLineAdmin(ReadOnlyAdmin):
    list_display = ("posted_at", "folio", "kind", "description", "amount", "source", "late")
    list_filter = ("kind", "source", "late")


@admin.register(Folio)
class FolioAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "created_at", "closed_at")


@admin.register(TariffVersion)
class TariffVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "valid_from", "tax_rate", "imported_at")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("label", "folio", "total", "issued_at")
