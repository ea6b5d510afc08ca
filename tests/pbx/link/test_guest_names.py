"""The guest's name as the room phone shows it: what the PBX receives in `username` at check-in."""

import pytest

from rooms import services
from tests.factories import GuestFactory, StayFactory

from .helpers import drain_all

# API.md section 5.4: v2 refuses these in `username`; v1 shows up to 31 characters.
FORBIDDEN = set("!%.@:;&\"'\\<>$`")


@pytest.mark.parametrize(
    ("last_name", "first_name", "shown"),
    [
        ("Łódź", "", "Lodz"),
        ("محمد", "", "mhmd"),
        ("Zoë\x1b[31m", "", "Zoe[31m"),
        ("O'Brien", "", "OBrien"),
        ("山田", "太郎", "ShanTian TaiLang"),
        ("Nguyễn\u200b", "Thị\tMai\n", "Nguyen Thi Mai"),
        ("Wolfeschlegelsteinhausenbergerdorff", "Hubert", "Wolfeschlegelsteinhausenbergerd"),
    ],
)
def test_the_pbx_receives_a_printable_transliterated_name(pbx, hotel_rooms, last_name, first_name, shown):
    room = hotel_rooms[0]
    stay = StayFactory(room=room, guest=GuestFactory(first_name=first_name, last_name=last_name))
    services.stay_check_in(stay=stay)
    assert drain_all() == {room.extension: "empty"}

    sent = [
        op["body"]["username"]
        for op in pbx.applied
        if op["path"] == "extension/update" and "username" in (op.get("body") or {})
    ]
    # v1 keeps routes: its clean slate resets the name to the extension number first, then the guest's
    assert sent[-1] == shown
    assert set(sent[:-1]) <= {room.extension}
    assert pbx.state.extensions[room.extension]["username"] == shown
    assert all(32 <= ord(ch) < 127 for ch in shown)
    assert not FORBIDDEN & set(shown)
    assert len(shown) <= 31
