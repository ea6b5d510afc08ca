from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from hotelpbx.core.timeutil import hotel_today
from rooms.models import Guest, HousekeepingStatus, Room, RoomType, Stay, StayStatus


class RoomTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoomType
        django_get_or_create = ("code",)

    code = "STD"
    name = "Standard double"
    capacity = 2
    rack_rate = "119.00"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    number = factory.Sequence(lambda n: f"{1 + n // 50}{n % 50 + 1:02d}")
    floor = factory.LazyAttribute(lambda o: int(o.number[:-2]))
    extension = factory.LazyAttribute(lambda o: f"2{o.number}")
    room_type = factory.SubFactory(RoomTypeFactory)
    housekeeping_status = HousekeepingStatus.INSPECTED


class GuestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guest

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class StayFactory(factory.django.DjangoModelFactory):
    """A reservation arriving today for two nights."""

    class Meta:
        model = Stay

    guest = factory.SubFactory(GuestFactory)
    room = factory.SubFactory(RoomFactory)
    room_type = factory.LazyAttribute(lambda o: o.room.room_type if o.room else None)
    arrival = factory.LazyFunction(hotel_today)
    departure = factory.LazyAttribute(lambda o: o.arrival + timedelta(days=2))
    status = StayStatus.RESERVED


def in_house_stay(**kwargs) -> Stay:
    """A guest checked in through the service, as the desk would do it."""
    from rooms.services import stay_check_in

    stay = StayFactory(**kwargs)
    return stay_check_in(stay=stay)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()
