"""The PBX page speaks the hotel's words first; the technical log waits behind a toggle that stays open."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from hotelpbx.pbx.models import CommandStatus, PbxCommand, PbxLink
from tests.factories import RoomFactory, UserFactory, in_house_stay

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_desk_reads_which_phones_are_not_set_up_then_opens_the_technical_log(desk_page, settings):
    waiting = in_house_stay(room=RoomFactory(number="112")).room
    refused = RoomFactory(number="114")
    PbxCommand.objects.create(extension=waiting.extension, seq=1, op="update", status=CommandStatus.PENDING)
    PbxCommand.objects.create(
        extension=refused.extension,
        seq=1,
        op="update",
        status=CommandStatus.FAILED,
        last_errno="10002",
        last_error="extension not found",
    )
    link = PbxLink.get()
    link.down_since = timezone.now()
    link.last_error = "[Errno 111] Connection refused"
    link.save()
    settings.PBX_URL = "http://127.0.0.1:9"  # a PBX is configured (and unreachable)
    UserFactory(username="desk", role="Front desk")
    page = desk_page
    sign_in(page, "desk")
    page.goto(reverse("pbx:status"))

    words = page.locator("#pbx-hotel-words")
    expect(words.locator("#pbx-link-words")).to_contain_text("The PBX is unreachable since")
    expect(words.locator('[data-room="112"]')).to_contain_text(
        "Room 112's phone is not set up yet: the PBX is unreachable"
    )
    expect(words.locator('[data-room="114"]')).to_contain_text(
        "Room 114's phone could not be set up: the PBX refused the change (extension not found)."
    )
    expect(words.locator('[data-room="114"]').get_by_role("button", name="Try again")).to_be_visible()
    # the hotel's words carry no error numbers; those are in the technical log, closed at first
    expect(words).not_to_contain_text("10002")
    expect(words).not_to_contain_text("Errno")
    failed = page.locator("#failed-commands")
    expect(failed).to_be_hidden()
    screenshot(page, "pbx-page-hotel-words")

    page.get_by_text("Technical log").click()
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("errno 10002: extension not found")
    expect(page.locator("#pbx-technical")).to_contain_text("Connection refused")

    # both parts refresh themselves; the log stays open after its refresh
    with page.expect_response(lambda r: "part=words" in r.url, timeout=8_000):
        pass
    with page.expect_response(lambda r: r.url.endswith("/pbx/"), timeout=8_000):
        pass
    expect(failed).to_be_visible()
    expect(page.locator("#pbx-technical")).to_have_attribute("open", "")
    screenshot(page, "pbx-page-technical-log-open", full_page=True)
