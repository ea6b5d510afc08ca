import pytest

from tests.factories import GuestFactory, RoomFactory, RoomTypeFactory, UserFactory

pytest_plugins = ["tests.embedded_redis"]

ROLE_GROUPS = {"front_desk": "Front desk", "housekeeping": "Housekeeping", "manager": "Manager"}


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    # Argon2 is right for production and slow on purpose; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    # Partner webhooks go to receivers on 127.0.0.1 here, as in the demo (tests of the guard unset it).
    settings.API_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def room_type(db):
    return RoomTypeFactory()


@pytest.fixture
def room(db, room_type):
    return RoomFactory(room_type=room_type)


@pytest.fixture
def guest(db):
    return GuestFactory(first_name="Ada", last_name="Lovelace")


@pytest.fixture
def front_desk_user(db):
    return UserFactory(username="desk", role="Front desk")


@pytest.fixture
def housekeeping_user(db):
    return UserFactory(username="maid", role="Housekeeping")


@pytest.fixture
def manager_user(db):
    return UserFactory(username="boss", role="Manager", is_staff=True)


@pytest.fixture
def user_with_role(db):
    def make(role: str | None):
        if role is None:
            return UserFactory(username="norole")
        return UserFactory(username=f"u_{role}", role=ROLE_GROUPS[role], is_staff=role == "manager")

    return make


@pytest.fixture
def desk_client(client, front_desk_user):
    client.force_login(front_desk_user)
    return client


@pytest.fixture
def housekeeping_client(client, housekeeping_user):
    client.force_login(housekeeping_user)
    return client
