"""A demo hotel: 100 rooms on 5 floors, 4 room types, guests in house, arrivals and departures today,
and one user per role. Safe to run twice: it only adds what is missing."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from hotelpbx.core.timeutil import hotel_today
from rooms import services
from rooms.models import Guest, HousekeepingStatus, PhoneClass, Room, RoomType, ServiceState, Stay, StayStatus

ROOM_TYPES = [
    ("STD", "Standard double", 2, Decimal("119.00")),
    ("SGL", "Single", 1, Decimal("89.00")),
    ("SUP", "Superior king", 2, Decimal("159.00")),
    ("STE", "Junior suite", 4, Decimal("249.00")),
]
FLOORS = range(1, 6)
ROOMS_PER_FLOOR = 20
DEMO_USERS = [
    ("frontdesk", "Front desk", "Frank", "Desk", False),
    ("housekeeping", "Housekeeping", "Hanna", "Keeper", False),
    ("manager", "Manager", "Mia", "Manager", True),
]
DEMO_PASSWORD = "hotelpbx-demo"
FIRST = [
    "Anna",
    "Ben",
    "Chloé",
    "David",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kai",
    "Lena",
    "Marco",
    "Nora",
    "Omar",
    "Paula",
    "Quentin",
    "Rosa",
    "Sven",
    "Tara",
    "Ugo",
    "Vera",
    "Wei",
    "Yara",
]
LAST = [
    "Müller",
    "Smith",
    "García",
    "Rossi",
    "Dubois",
    "Jansen",
    "Nowak",
    "Tanaka",
    "O'Brien",
    "Schmidt",
    "Kowalski",
    "Silva",
    "Novak",
    "Larsen",
    "Weber",
    "Moreau",
    "Ricci",
    "Chen",
    "Fischer",
    "Becker",
    "Wagner",
    "Hoffmann",
    "Keller",
    "Lambert",
    "Bauer",
    "Costa",
    "Meyer",
    "Petrov",
    "Ahmed",
    "Berg",
]


def extension_for(room_number: str) -> str:
    return f"2{room_number}"


class Command(BaseCommand):
    help = "Create the demo hotel (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            types = self._room_types()
            created_rooms = self._rooms(types)
            self._users()
            if not Stay.objects.exists():
                self._stays()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo hotel ready: {Room.objects.count()} rooms"
                f" ({created_rooms} new), {Stay.objects.filter(status=StayStatus.IN_HOUSE).count()}"
                " guests in house."
            )
        )
        self.stdout.write("Demo logins (user / password):")
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {role:<13} {username} / {DEMO_PASSWORD}")

    def _room_types(self) -> list[RoomType]:
        result = []
        for code, name, capacity, rate in ROOM_TYPES:
            room_type, _ = RoomType.objects.get_or_create(
                code=code, defaults={"name": name, "capacity": capacity, "rack_rate": rate}
            )
            result.append(room_type)
        return result

    def _rooms(self, types: list[RoomType]) -> int:
        created = 0
        std, sgl, sup, ste = types
        for floor in FLOORS:
            for index in range(1, ROOMS_PER_FLOOR + 1):
                number = f"{floor}{index:02d}"
                room_type = (
                    ste if index in (1, 20) else sup if index % 5 == 0 else sgl if index % 4 == 0 else std
                )
                _, was_created = Room.objects.get_or_create(
                    number=number,
                    defaults={
                        "floor": floor,
                        "extension": extension_for(number),
                        "room_type": room_type,
                        "housekeeping_status": HousekeepingStatus.INSPECTED,
                    },
                )
                created += was_created
        return created

    def _users(self) -> None:
        User = get_user_model()
        for username, group_name, first, last, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=group_name))

    def _stays(self) -> None:
        rng = random.Random(2101)
        today = hotel_today()
        rooms = list(Room.objects.select_related("room_type").order_by("number"))
        rng.shuffle(rooms)

        def guest() -> Guest:
            return Guest.objects.create(
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                language=rng.choice(["en", "en", "de", "fr", "es", "it"]),
                vip=rng.random() < 0.1,
                email="",
            )

        classes = [PhoneClass.INTERNATIONAL, PhoneClass.NATIONAL, PhoneClass.NATIONAL, PhoneClass.LOCAL]
        # 55 guests in house; 12 of them leave today.
        for i, room in enumerate(rooms[:55]):
            arrival = today - timedelta(days=rng.randint(1, 4))
            departure = today if i < 12 else today + timedelta(days=rng.randint(1, 5))
            stay = services.stay_reserve(
                guest=guest(),
                arrival=arrival,
                departure=departure,
                room=room,
                phone_class=rng.choice(classes),
            )
            services.stay_check_in(stay=stay, confirm_not_ready=True)
        # Occupied rooms were serviced yesterday; some vacant rooms still wait for housekeeping.
        for room in rooms[55:65]:
            Room.objects.filter(pk=room.pk).update(housekeeping_status=HousekeepingStatus.DIRTY)
        for room in rooms[65:72]:
            Room.objects.filter(pk=room.pk).update(housekeeping_status=HousekeepingStatus.CLEAN)
        Room.objects.filter(pk=rooms[72].pk).update(
            service_state=ServiceState.OUT_OF_ORDER,
            service_reason="Leaking shower",
            housekeeping_status="dirty",
        )
        # 10 arrivals today, some with a room assigned already.
        for i in range(10):
            room = rooms[73 + i] if i < 5 else None
            services.stay_reserve(
                guest=guest(),
                arrival=today,
                departure=today + timedelta(days=rng.randint(1, 4)),
                room=room,
                room_type=None if room else rng.choice(list(RoomType.objects.all())),
                adults=rng.choice([1, 2]),
                phone_class=rng.choice(classes),
            )
        # Reservations for the coming days.
        for _ in range(8):
            start = today + timedelta(days=rng.randint(1, 6))
            services.stay_reserve(
                guest=guest(),
                arrival=start,
                departure=start + timedelta(days=rng.randint(1, 5)),
                room_type=rng.choice(list(RoomType.objects.all())),
            )
