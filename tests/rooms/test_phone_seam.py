"""The hotel answers the PBX link's question "what should these phones be?" for the rooms asked about,
in the same few queries whatever the size of the hotel."""

from hotelpbx.pbx.desired import DesiredExtension, desired_for
from rooms.phone import desired_phone_state
from tests.factories import GuestFactory, RoomFactory, in_house_stay


def test_the_link_asks_about_one_room_without_building_the_others(db, django_assert_num_queries):
    rooms = [RoomFactory() for _ in range(30)]
    stay = in_house_stay(room=rooms[7], guest=GuestFactory(first_name="Ada", last_name="Lovelace"))
    with django_assert_num_queries(2):  # the room, its in-house stay with the guest
        answer = desired_for([rooms[7].extension])
    assert answer == [desired_phone_state(rooms[7])]
    assert answer[0] == DesiredExtension(
        number=rooms[7].extension,
        occupied=True,
        display_name="Lovelace Ada",
        dnd=False,
        barred=False,
        voicemail_pin=stay.voicemail_pin,
        call_class=stay.phone_class,
    )


def test_the_link_asks_about_several_rooms_or_all(db, django_assert_num_queries):
    rooms = [RoomFactory() for _ in range(12)]
    wanted = [rooms[1].extension, rooms[5].extension, "9999"]  # an unknown extension is not the hotel's
    with django_assert_num_queries(2):
        assert {d.number for d in desired_for(wanted)} == set(wanted[:2])
    with django_assert_num_queries(2):
        assert len(desired_for(None)) == 12
