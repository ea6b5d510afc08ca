"""What a manager can and cannot do in the Django admin: the audit log is read-only for everyone, and
nobody hands out rights they do not hold themselves. Driven through the real admin pages."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from hotelpbx.core.audit import audit_record
from hotelpbx.core.models import AuditEntry, AuditLogIsAppendOnly
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def manager_client(client, manager_user):
    response = client.post("/login/", {"username": manager_user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def superuser_client(client):
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    assert client.post("/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def entry(front_desk_user):
    return audit_record(actor=front_desk_user, action="stay.check_in", summary="Ada Lovelace into 101")


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return data


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


# --- the audit log -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager_client", "superuser_client"])
def test_nobody_adds_an_audit_entry_through_the_admin(request, who):
    client = request.getfixturevalue(who)
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    response = client.post(
        "/admin/core/auditentry/add/",
        {"action": "stay.check_out", "summary": "forged", "data": "{}", "source": "desk"},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(summary="forged").exists()
    assert "/admin/core/auditentry/add/" not in client.get("/admin/core/auditentry/").content.decode()


@pytest.mark.parametrize("who", ["manager_client", "superuser_client"])
def test_nobody_changes_or_deletes_an_audit_entry_through_the_admin(request, who, entry):
    client = request.getfixturevalue(who)
    page = client.get(f"/admin/core/auditentry/{entry.pk}/change/")
    assert page.status_code == 200  # they may read it
    assert 'name="_save"' not in page.content.decode()
    response = client.post(
        f"/admin/core/auditentry/{entry.pk}/change/",
        {"action": "nothing", "summary": "rewritten", "data": "{}"},
    )
    assert response.status_code == 403
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/core/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    entry.refresh_from_db()
    assert entry.summary == "Ada Lovelace into 101"


def test_the_audit_log_refuses_updates_and_deletes_in_code_too(entry):
    entry.summary = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Ada Lovelace into 101"


# --- staff accounts ----------------------------------------------------------------------------------


def test_a_manager_does_not_see_or_set_the_superuser_flag(manager_client, front_desk_user):
    url = f"/admin/auth/user/{front_desk_user.pk}/change/"
    page = manager_client.get(url)
    assert page.status_code == 200
    assert "is_superuser" not in page.content.decode()
    response = manager_client.post(url, _user_form(front_desk_user, is_superuser="on", is_staff="on"))
    assert response.status_code == 302
    front_desk_user.refresh_from_db()
    assert not front_desk_user.is_superuser
    assert front_desk_user.is_staff  # the rest of the form still works


def test_a_manager_gives_only_the_groups_they_belong_to(manager_client, front_desk_user):
    url = f"/admin/auth/user/{front_desk_user.pk}/change/"
    housekeeping, manager = Group.objects.get(name="Housekeeping"), Group.objects.get(name="Manager")
    front_desk = Group.objects.get(name="Front desk")

    refused = manager_client.post(url, _user_form(front_desk_user, groups=[front_desk.pk, housekeeping.pk]))
    assert refused.status_code == 200
    assert "You can only give groups you belong to: not Housekeeping." in refused.content.decode()
    assert set(front_desk_user.groups.all()) == {front_desk}

    # a group the account already had stays; one the manager holds can be given
    granted = manager_client.post(url, _user_form(front_desk_user, groups=[front_desk.pk, manager.pk]))
    assert granted.status_code == 302
    assert set(front_desk_user.groups.all()) == {front_desk, manager}


def test_a_manager_gives_only_the_permissions_they_hold(manager_client, front_desk_user):
    url = f"/admin/auth/user/{front_desk_user.pk}/change/"
    forge = _permission("core.add_auditentry")
    rooms = _permission("rooms.view_room")

    refused = manager_client.post(url, _user_form(front_desk_user, user_permissions=[forge.pk, rooms.pk]))
    assert refused.status_code == 200
    assert "You can only give permissions you hold: not core.add_auditentry." in refused.content.decode()
    assert not front_desk_user.user_permissions.exists()

    granted = manager_client.post(url, _user_form(front_desk_user, user_permissions=[rooms.pk]))
    assert granted.status_code == 302
    assert list(front_desk_user.user_permissions.all()) == [rooms]


def test_a_manager_cannot_edit_or_delete_a_superuser(manager_client):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    page = manager_client.get(f"/admin/auth/user/{root.pk}/change/")
    assert 'name="_save"' not in page.content.decode()
    response = manager_client.post(
        f"/admin/auth/user/{root.pk}/change/", _user_form(root, username="taken", is_active="")
    )
    assert response.status_code == 403
    assert manager_client.get(f"/admin/auth/user/{root.pk}/password/").status_code == 403
    assert manager_client.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = manager_client.post(
        "/admin/auth/user/", {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    root.refresh_from_db()
    assert root.username == "root" and root.is_active and root.is_superuser


def test_a_manager_cannot_give_a_group_permissions_they_lack(manager_client):
    manager = Group.objects.get(name="Manager")
    before = set(manager.permissions.all())
    response = manager_client.post(
        f"/admin/auth/group/{manager.pk}/change/",
        {"name": "Manager", "permissions": [p.pk for p in before | {_permission("core.add_auditentry")}]},
    )
    assert response.status_code == 200
    assert "You can only give permissions you hold: not core.add_auditentry." in response.content.decode()
    assert set(manager.permissions.all()) == before


def test_a_superuser_still_runs_accounts_fully(superuser_client):
    someone = UserFactory(username="newboss")
    response = superuser_client.post(
        f"/admin/auth/user/{someone.pk}/change/", _user_form(someone, is_superuser="on", is_staff="on")
    )
    assert response.status_code == 302
    someone.refresh_from_db()
    assert someone.is_superuser
