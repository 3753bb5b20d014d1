"""`add_coordinator` makes a working coordinator on a fresh database, and only that."""

import io
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.utils import translation

from registry.admin_confinement import COORDINATORS_GROUP
from registry.models import Coordinator
from tests.factories import make_municipality

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test passphrase"


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English; the site's default language is Swedish.
    with translation.override("en"):
        yield


def add_coordinator(*args, **options):
    out = io.StringIO()
    call_command("add_coordinator", *args, stdout=out, **options)
    return out.getvalue()


def test_a_new_coordinator_is_staff_in_the_group_and_linked_to_the_municipality():
    kalix = make_municipality("kalix", name="Kalix")
    out = add_coordinator("anna", municipality="kalix", password=PASSWORD)
    user = get_user_model().objects.get(username="anna")
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [COORDINATORS_GROUP]
    assert Coordinator.objects.get(user=user).municipality == kalix
    assert out.strip() == "add_coordinator: created anna, coordinator for Kalix."


def test_the_group_may_edit_owned_records_and_only_look_at_reference_data():
    make_municipality("kalix")
    add_coordinator("anna", municipality="kalix", password=PASSWORD)
    user = get_user_model().objects.get(username="anna")
    for permission in ("add_project", "change_project", "delete_project", "change_event"):
        assert user.has_perm(f"projects.{permission}")
    assert user.has_perm("registry.change_organisation")
    assert user.has_perm("networks.change_membership")
    for model in ("goal", "country", "funder", "municipality"):
        assert user.has_perm(f"registry.view_{model}")
        assert not user.has_perm(f"registry.change_{model}")
    assert not user.has_perm("registry.change_coordinator")
    assert not user.has_perm("auth.change_user")


def test_running_it_again_changes_nothing_and_repairs_the_group():
    make_municipality("kalix")
    add_coordinator("anna", municipality="kalix", password=PASSWORD)
    group = Group.objects.get(name=COORDINATORS_GROUP)
    expected = set(group.permissions.all())
    group.permissions.set(Permission.objects.filter(codename="change_goal"))  # tampered with

    out = add_coordinator("anna", municipality="kalix", password=PASSWORD)
    assert "updated anna" in out
    assert set(group.permissions.all()) == expected
    assert get_user_model().objects.filter(username="anna").count() == 1
    assert Coordinator.objects.count() == 1


def test_an_existing_user_moves_to_another_municipality():
    make_municipality("kalix")
    norrkoping = make_municipality("norrkoping")
    add_coordinator("anna", municipality="kalix", password=PASSWORD)
    add_coordinator("anna", municipality="norrkoping", password=PASSWORD)
    assert Coordinator.objects.get(user__username="anna").municipality == norrkoping


def test_an_unknown_municipality_is_a_clear_error_and_creates_no_one():
    with pytest.raises(CommandError, match="No municipality has the slug “atlantis”"):
        add_coordinator("anna", municipality="atlantis", password=PASSWORD)
    assert not get_user_model().objects.filter(username="anna").exists()


def test_without_a_password_option_it_asks_twice():
    make_municipality("kalix")
    with mock.patch(
        "registry.management.commands.add_coordinator.getpass", side_effect=[PASSWORD, PASSWORD]
    ) as getpass:
        add_coordinator("anna", municipality="kalix")
    assert getpass.call_count == 2
    assert get_user_model().objects.get(username="anna").check_password(PASSWORD)


def test_two_different_answers_change_nothing():
    make_municipality("kalix")
    with mock.patch(
        "registry.management.commands.add_coordinator.getpass", side_effect=[PASSWORD, "other"]
    ):
        with pytest.raises(CommandError, match="differ"):
            add_coordinator("anna", municipality="kalix")
    assert not get_user_model().objects.filter(username="anna").exists()


def test_a_weak_password_is_refused():
    make_municipality("kalix")
    with pytest.raises(CommandError, match="too common"):
        add_coordinator("anna", municipality="kalix", password="password")
    assert not get_user_model().objects.filter(username="anna").exists()


def test_an_empty_answer_keeps_an_existing_users_password():
    make_municipality("kalix")
    add_coordinator("anna", municipality="kalix", password=PASSWORD)
    with mock.patch("registry.management.commands.add_coordinator.getpass", return_value=""):
        add_coordinator("anna", municipality="kalix")
    assert get_user_model().objects.get(username="anna").check_password(PASSWORD)


def test_a_dry_run_saves_nothing():
    make_municipality("kalix")
    out = add_coordinator("anna", municipality="kalix", password=PASSWORD, dry_run=True)
    assert "would create anna" in out
    assert not get_user_model().objects.filter(username="anna").exists()
    assert not Group.objects.filter(name=COORDINATORS_GROUP).exists()
