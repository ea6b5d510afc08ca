from django.contrib import admin
from django.utils import timezone

from .models import Guest, Room, RoomMove, RoomStatusChange, RoomType, Stay, StayStatus
from .search import fold


@admin.register(RoomType)
class RoomTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "capacity", "rack_rate")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # every tile of this type shows its code: the board's ETag (rooms/board_etag.py) watches rooms
            Room.objects.filter(room_type=obj).update(updated_at=timezone.now())


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "floor",
        "extension",
        "room_type",
        "housekeeping_status",
        "service_state",
        "dnd",
    )
    list_filter = ("floor", "room_type", "housekeeping_status", "service_state")
    search_fields = ("number", "extension")
    # status, DND and service state change through the hotel's rules (history, audit, the room phone):
    # on the room page or the tablet, not here
    readonly_fields = (
        "housekeeping_status",
        "service_state",
        "service_reason",
        "service_until",
        "dnd",
        "phone_status",
        "phone_status_at",
    )


@admin.register(Guest)
class GuestAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "language", "vip", "email")
    search_fields = ("search_name", "email", "document_number")

    def get_search_results(self, request, queryset, search_term):
        # names are searched folded, as at the desk: "muller" finds "Müller"
        return super().get_search_results(request, queryset, fold(search_term))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # the board shows in-house and arriving guests' names and VIP marks, and its ETag
            # (rooms/board_etag.py) watches their stays: without this a refresh would answer 304
            active = [StayStatus.RESERVED, StayStatus.IN_HOUSE]
            Stay.objects.filter(guest=obj, status__in=active).update(updated_at=timezone.now())


@admin.register(Stay)
class StayAdmin(admin.ModelAdmin):
    list_display = ("guest", "room", "arrival", "departure", "status", "phone_class")
    list_filter = ("status", "phone_class")
    raw_id_fields = ("guest", "sharers", "room")
    # check-in, check-out and moves go through the desk's pages, which drive the room phone
    readonly_fields = (
        "status",
        "voicemail_pin",
        "checked_in_at",
        "checked_in_by",
        "checked_out_at",
        "checked_out_by",
        "early_departure",
    )


@admin.register(RoomStatusChange)
class RoomStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("room", "from_status", "to_status", "source", "changed_by", "changed_at")
    list_filter = ("source",)


admin.site.register(RoomMove)
