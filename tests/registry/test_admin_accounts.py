"""Invitations, removals and forgotten passwords, end to end through a real SMTP server."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.management import call_command
from django.urls import reverse

from registry.admin_accounts import ADMINISTRATORS_GROUP, administrators_group
from registry.admin_confinement import municipality_of
from registry.models import Coordinator
from tests.admin_helpers import MODEL_BACKEND, PASSWORD, add_coordinator
from tests.factories import make_municipality

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long enough passphrase"
LINK = re.compile(r"https?://testserver(/admin/\S+/)")


@pytest.fixture
def kalix():
    return make_municipality("kalix", name="Kalix")


@pytest.fixture
def norrkoping():
    return make_municipality("norrkoping", name="Norrköping")


@pytest.fixture
def administrator(kalix):
    user = add_coordinator("anna@kalix.se", kalix)
    user.email = "anna@kalix.se"
    user.save()
    user.groups.add(administrators_group())
    return user


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator, backend=MODEL_BACKEND)
    return client


@pytest.fixture(autouse=True)
def english(client):
    # Assertions read English; logging out empties the cookies, so not the language cookie.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def invite(client, email="bo@kalix.se", **extra):
    data = {"email": email, "first_name": "Bo", "last_name": "Ek", "role": "coordinator", **extra}
    return client.post(reverse("admin:colleague_invite"), data)


def link_in(message):
    return LINK.search(message.get_content()).group(1)


def in_a_while(seconds):
    later = datetime.datetime.now() + datetime.timedelta(seconds=seconds)
    return mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later)


def test_an_invitation_arrives_and_its_link_sets_a_password_then_leads_to_two_factor(
    admin_client, client, smtp_server, kalix
):
    response = invite(admin_client)
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message.recipients == ["bo@kalix.se"]
    assert message["Subject"] == "You are invited to keep Kalix's records in the registry"
    body = message.get_content()
    assert "anna@kalix.se invites you to keep Kalix's international projects" in body
    bo = get_user_model().objects.get(email="bo@kalix.se")
    assert bo.is_staff and not bo.is_superuser and not bo.has_usable_password()
    assert municipality_of(bo) == kalix

    client.logout()
    link = link_in(message)
    form_page = client.get(link, follow=True)
    assert "Choose a password for your account" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:two_factor_enrol"))
    bo.refresh_from_db()
    assert bo.check_password(NEW_PASSWORD)
    assert client.get(response["Location"]).status_code == 200  # signed in: the enrolment page

    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This invitation link does not work any more" in again
    assert "id_new_password1" not in again


def test_an_invitation_link_expires(admin_client, client, smtp_server, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    invite(admin_client)
    link = link_in(smtp_server.messages[0])
    client.logout()
    with in_a_while(3500):  # still within its time
        assert "id_new_password1" in client.get(link, follow=True).content.decode()
    with in_a_while(3601):
        page = client.get(link, follow=True).content.decode()
    assert "This invitation link does not work any more" in page
    assert not get_user_model().objects.get(email="bo@kalix.se").has_usable_password()


def test_a_password_reset_link_is_no_invitation_and_the_other_way_round(
    admin_client, client, smtp_server
):
    invite(admin_client)
    link = link_in(smtp_server.messages[0])
    as_reset = link.replace("/admin/invitation/", "/admin/password-reset/")
    client.logout()
    page = client.get(as_reset, follow=True).content.decode()
    assert "id_new_password1" not in page


def test_the_invitation_is_in_the_inviters_language(admin_client, smtp_server):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "lv"
    invite(admin_client)
    assert smtp_server.messages[0]["Subject"].strip() == (
        "Jūs esat uzaicināts uzturēt reģistrā ierakstus: Kalix"
    )


def test_an_administrator_invites_into_their_own_municipality_whatever_is_posted(
    admin_client, smtp_server, kalix, norrkoping
):
    invite(admin_client, municipality=norrkoping.pk)
    bo = get_user_model().objects.get(email="bo@kalix.se")
    assert municipality_of(bo) == kalix
    form = admin_client.get(reverse("admin:colleague_invite")).content.decode()
    assert 'name="municipality"' not in form


def test_nobody_is_raised_to_superuser(admin_client, smtp_server, administrator):
    invite(admin_client, is_superuser="on", is_staff="on", groups=[1, 2])
    bo = get_user_model().objects.get(email="bo@kalix.se")
    assert not bo.is_superuser
    assert set(bo.groups.values_list("name", flat=True)) == {"Coordinators"}
    for url in [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[administrator.pk]),
        reverse("admin:auth_user_change", args=[bo.pk]),
        reverse("admin:auth_group_changelist"),
    ]:
        assert admin_client.get(url).status_code == 403, url
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[administrator.pk]), {"is_superuser": "on"}
    )
    assert response.status_code == 403
    administrator.refresh_from_db()
    assert not administrator.is_superuser


def test_no_role_but_the_two_can_be_posted(admin_client, smtp_server):
    response = invite(admin_client, email="cy@kalix.se", role="superuser")
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not get_user_model().objects.filter(email="cy@kalix.se").exists()
    assert not smtp_server.messages


def test_a_superusers_address_cannot_be_invited(admin_client, smtp_server):
    get_user_model().objects.create_superuser("root", "root@registry.example", PASSWORD)
    response = invite(admin_client, email="root@registry.example")
    assert "This address belongs to the registry&#x27;s staff." in response.content.decode()
    assert not smtp_server.messages


def test_another_municipalitys_coordinator_cannot_be_invited(
    admin_client, smtp_server, norrkoping
):
    other = add_coordinator("cilla@norrkoping.se", norrkoping)
    other.email = "cilla@norrkoping.se"
    other.save()
    response = invite(admin_client, email="cilla@norrkoping.se")
    assert "This address already belongs to a coordinator." in response.content.decode()
    assert municipality_of(other) == norrkoping
    assert not smtp_server.messages


def test_a_coordinator_who_is_no_administrator_manages_nobody(client, kalix, smtp_server):
    coordinator = add_coordinator("bo", kalix)
    client.force_login(coordinator, backend=MODEL_BACKEND)
    assert client.get(reverse("admin:colleagues")).status_code == 403
    assert invite(client).status_code == 403
    assert not smtp_server.messages
    assert "/admin/coordinators/" not in client.get(reverse("admin:index")).content.decode()


def test_the_list_shows_the_municipalitys_coordinators_and_when_they_last_signed_in(
    admin_client, kalix, norrkoping
):
    bo = add_coordinator("bo@kalix.se", kalix)
    bo.last_login = datetime.datetime(2026, 3, 4, 9, 30, tzinfo=datetime.UTC)
    bo.save()
    add_coordinator("cilla@norrkoping.se", norrkoping)
    page = admin_client.get(reverse("admin:colleagues")).content.decode()
    assert "bo@kalix.se" in page and "March 4, 2026" in page
    assert "cilla@norrkoping.se" not in page
    assert "Municipality administrator" in page  # anna's role


def test_removing_a_colleague_closes_their_account(admin_client, client, kalix):
    bo = add_coordinator("bo@kalix.se", kalix)
    url = reverse("admin:colleague_remove", args=[bo.pk])
    assert "They will no longer be able to sign in" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 302
    bo.refresh_from_db()
    assert not bo.is_active and not bo.is_staff and not Coordinator.objects.filter(user=bo)
    client.logout()
    response = client.post(
        reverse("admin:login"), {"username": "bo@kalix.se", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again: no way in


def test_another_municipalitys_coordinator_cannot_be_removed(admin_client, norrkoping):
    other = add_coordinator("cilla", norrkoping)
    for name in ["admin:colleague_remove", "admin:colleague_resend"]:
        assert admin_client.post(reverse(name, args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.is_active and municipality_of(other) == norrkoping


def test_the_last_administrator_stays(admin_client, administrator):
    url = reverse("admin:colleague_remove", args=[administrator.pk])
    assert "only municipality administrator" in admin_client.get(url).content.decode()
    admin_client.post(url)
    administrator.refresh_from_db()
    assert administrator.is_active
    assert administrator.groups.filter(name=ADMINISTRATORS_GROUP).exists()


def test_a_superuser_invites_a_municipality_administrator_anywhere(
    client, smtp_server, norrkoping
):
    root = get_user_model().objects.create_superuser("root", "root@registry.example", PASSWORD)
    client.force_login(root, backend=MODEL_BACKEND)
    invite(client, email="dace@norrkoping.se", role="administrator", municipality=norrkoping.pk)
    dace = get_user_model().objects.get(email="dace@norrkoping.se")
    assert municipality_of(dace) == norrkoping
    assert dace.groups.filter(name=ADMINISTRATORS_GROUP).exists()
    assert smtp_server.messages[0].recipients == ["dace@norrkoping.se"]


def test_a_mail_server_that_refuses_is_a_message_not_an_error(admin_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = invite(admin_client, email="bo@kalix.se")
    page = admin_client.get(response["Location"]).content.decode()
    assert "could not be sent" in page
    assert "Send the invitation again" in page


def test_a_forgotten_password_is_reset_by_email_once(client, smtp_server, administrator):
    login = client.get(reverse("admin:login")).content.decode()
    assert f'href="{reverse("admin:password_reset")}"' in login
    response = client.post(reverse("admin:password_reset"), {"email": "ANNA@kalix.se"})
    assert response["Location"] == reverse("admin:password_reset_done")
    [message] = smtp_server.messages
    assert message.recipients == ["anna@kalix.se"]
    link = link_in(message)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    administrator.refresh_from_db()
    assert administrator.check_password(NEW_PASSWORD)
    signed_in = client.post(
        reverse("admin:login"),
        {"username": "anna@kalix.se", "password": NEW_PASSWORD, "next": "/admin/"},
    )
    assert signed_in["Location"] == reverse("admin:index")
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "The password reset link was invalid" in again


def test_a_password_reset_link_expires(client, smtp_server, administrator, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    client.post(reverse("admin:password_reset"), {"email": "anna@kalix.se"})
    link = link_in(smtp_server.messages[0])
    with in_a_while(3500):  # still within its time
        assert "id_new_password1" in client.get(link, follow=True).content.decode()
    with in_a_while(3601):
        page = client.get(link, follow=True).content.decode()
    assert "The password reset link was invalid" in page


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server):
    response = client.post(reverse("admin:password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("admin:password_reset_done")
    assert not smtp_server.messages


def test_add_coordinator_makes_a_municipality_administrator_for_scripting(kalix):
    out = io.StringIO()
    call_command(
        "add_coordinator", "dace", municipality="kalix", password=PASSWORD, administrator=True,
        stdout=out,
    )
    assert out.getvalue().strip() == "add_coordinator: created dace, administrator for Kalix."
    dace = get_user_model().objects.get(username="dace")
    assert dace.groups.filter(name=ADMINISTRATORS_GROUP).exists()
    assert municipality_of(dace) == kalix
