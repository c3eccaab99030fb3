"""The People page: staff add logins that share the ledger, and switch them off."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

User = get_user_model()
GOOD = {"username": "sam", "first_name": "Sam", "email": "sam@example.com",
        "password1": "a-long-household-phrase", "password2": "a-long-household-phrase"}


def _login(username: str, password: str):
    return Client().post("/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_people_lists_everyone_with_their_role(owner_client, owner):
    User.objects.create_user("sam", password="x" * 12, first_name="Sam")
    page = owner_client.get("/people/").content.decode()
    assert "owner" in page and "Owner" in page and "Sam" in page and "Member" in page
    assert 'name="password1"' in page


@pytest.mark.django_db
def test_people_add_creates_a_login_that_shares_the_ledger(owner_client, owner):
    response = owner_client.post("/people/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/people/"
    sam = User.objects.get(username="sam")
    assert (sam.first_name, sam.is_staff, sam.is_superuser, sam.is_active) == ("Sam", False, False, True)
    login = _login("sam", GOOD["password1"])
    assert login.status_code == 302 and login["Location"] == "/"
    assert "Added sam" in owner_client.get("/people/").content.decode()


@pytest.mark.django_db
def test_people_add_can_make_staff_but_never_an_owner(owner_client, owner):
    owner_client.post("/people/", {**GOOD, "is_staff": "on"})
    sam = User.objects.get(username="sam")
    assert (sam.is_staff, sam.is_superuser) == (True, False)


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "reason"), [
    ("short-pass1", "at least 12 characters"),
    ("123456789012345", "entirely numeric"),
    ("password12345", "too common"),
    ("sam-example-com", "too similar"),
])
def test_people_add_refuses_a_weak_password(owner_client, owner, password, reason):
    response = owner_client.post("/people/", {**GOOD, "password1": password, "password2": password})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not User.objects.filter(username="sam").exists()


@pytest.mark.django_db
def test_people_add_refuses_a_taken_username(owner_client, owner):
    response = owner_client.post("/people/", {**GOOD, "username": "owner"})
    assert response.status_code == 400 and "already exists" in response.content.decode()


@pytest.mark.django_db
def test_people_switch_off_stops_the_login_and_on_brings_it_back(owner_client, owner):
    owner_client.post("/people/", GOOD)
    sam = User.objects.get(username="sam")
    response = owner_client.post(f"/people/{sam.pk}/active", {"active": "0"})
    assert response.status_code == 302
    sam.refresh_from_db()
    assert not sam.is_active
    assert _login("sam", GOOD["password1"]).status_code == 200  # the form again: refused
    owner_client.post(f"/people/{sam.pk}/active", {"active": "1"})
    assert _login("sam", GOOD["password1"]).status_code == 302


@pytest.mark.django_db
def test_people_cannot_switch_off_yourself_or_an_owner(owner_client, owner, django_user_model):
    response = owner_client.post(f"/people/{owner.pk}/active", {"active": "0"}, follow=True)
    assert "cannot switch off your own login" in response.content.decode()
    other_owner = django_user_model.objects.create_superuser("pat", "p@example.com", "x" * 12)
    response = owner_client.post(f"/people/{other_owner.pk}/active", {"active": "0"}, follow=True)
    assert "is an owner" in response.content.decode()
    assert User.objects.filter(is_active=True).count() == 2


@pytest.mark.django_db
def test_people_is_for_staff_only(client, owner):
    sam = User.objects.create_user("sam", password="x" * 12)
    client.force_login(sam)
    assert client.get("/people/").status_code == 403
    assert client.post("/people/", {**GOOD, "username": "eve"}).status_code == 403
    assert client.post(f"/people/{owner.pk}/active", {"active": "0"}).status_code == 403
    assert not User.objects.filter(username="eve").exists()
    owner.refresh_from_db()
    assert owner.is_active


@pytest.mark.django_db
def test_people_refuses_strangers(client, owner):
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
