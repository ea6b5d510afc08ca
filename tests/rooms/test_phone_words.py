"""Nothing fails silently: the stay page (where a check-in lands) and the PBX page say in hotel words
whether a room's phone is set up, from the PBX link's own outbox."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from hotelpbx.pbx.models import CommandStatus, PbxCommand, PbxLink
from tests.factories import RoomFactory, in_house_stay

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return " ".join(strip_tags(html.unescape(response.content.decode())).split())


def command(room, status, *, seq=1, errno="", error=""):
    return PbxCommand.objects.create(
        extension=room.extension, seq=seq, op="update", status=status, last_errno=errno, last_error=error
    )


def test_the_stay_page_says_the_phone_is_set_up_pending_or_failed(desk_client):
    stay = in_house_stay(room=RoomFactory(number="112"))
    url = reverse("rooms:stay_detail", args=[stay.pk])
    assert "Room 112's phone is set up." in words(desk_client.get(url))

    pending = command(stay.room, CommandStatus.PENDING)
    assert "Room 112's phone is not set up yet: waiting for the PBX." in words(desk_client.get(url))

    link = PbxLink.get()
    link.down_since = timezone.now()
    link.save()
    text = words(desk_client.get(url))
    assert "Room 112's phone is not set up yet: the PBX is unreachable" in text

    pending.delete()
    command(stay.room, CommandStatus.FAILED, errno="10002", error="extension not found")
    text = words(desk_client.get(url))
    assert "Room 112's phone could not be set up: the PBX refused the change (extension not found)." in text
    assert "PBX refused (10002): extension not found" in text  # behind "Technical detail"


def test_the_check_in_confirmation_lands_on_the_phone_state(desk_client):
    from tests.factories import StayFactory

    stay = StayFactory(room=RoomFactory(number="114"))
    response = desk_client.post(reverse("rooms:check_in", args=[stay.pk]), {"room": "114"}, follow=True)
    text = words(response)
    assert "is checked in to room 114" in text and "Room 114's phone is" in text


def test_the_pbx_page_speaks_hotel_words_first(desk_client):
    RoomFactory(number="110")  # in step: not named
    waiting, refused = RoomFactory(number="111"), RoomFactory(number="112")
    command(waiting, CommandStatus.PENDING)
    command(refused, CommandStatus.FAILED, errno="10002", error="extension not found")
    link = PbxLink.get()
    link.down_since = timezone.now()
    link.save()
    text = words(desk_client.get(reverse("pbx:status")))
    first = text.index("Room 112's phone could not be set up")
    assert first < text.index("Room 111's phone is not set up yet: the PBX is unreachable")
    assert "Room 110" not in text.split("Link")[0]


def test_the_pbx_page_says_first_whether_guests_can_phone(desk_client, settings):
    settings.PBX_URL = "http://127.0.0.1:9"  # a PBX is configured
    url = reverse("pbx:status")
    text = words(desk_client.get(url))
    assert "The PBX is connected: room phones follow the desk." in text.split("Technical log")[0]

    link = PbxLink.get()
    link.trunks = [{"name": "Carrier SIP", "type": "SIP", "status": "Unavailable"}]
    link.guard_tripped_at = timezone.now()
    link.guard_reason = "errno 20004: wrong password"
    link.save()
    before_log = words(desk_client.get(url)).split("Technical log")[0]
    assert "This app stopped logging in to the PBX after it refused the password" in before_log
    assert "Guests cannot call outside the hotel: the line to the telephone company is down." in before_log
    assert "20004" not in before_log  # the error number is in the technical log


def test_a_failed_room_can_be_sent_again_from_the_hotel_words(desk_client):
    refused = RoomFactory(number="112")
    first = command(refused, CommandStatus.FAILED, errno="10002", error="extension not found")
    command(refused, CommandStatus.FAILED, seq=2, errno="10002", error="extension not found")
    page = desk_client.get(reverse("pbx:status")).content.decode()
    words_part = page.split('id="pbx-technical"')[0]
    assert reverse("pbx:resend", args=[first.pk]) in words_part


def test_the_page_polls_its_hotel_words_apart_from_the_technical_log(desk_client):
    RoomFactory(number="111")
    command(RoomFactory(number="112"), CommandStatus.PENDING)
    part = desk_client.get(reverse("pbx:status"), {"part": "words"}, headers={"HX-Request": "true"})
    text = words(part)
    assert "Room 112's phone is not set up yet" in text
    assert "Technical log" not in text and "Failed commands" not in text


def test_without_a_pbx_the_page_does_not_claim_the_phones_are_set_up(desk_client, settings):
    settings.PBX_URL = ""
    text = words(desk_client.get(reverse("pbx:status"))).split("Technical log")[0]
    assert "No PBX is configured: room phones are not set up from this desk." in text
    assert "Every room's phone is set up" not in text
