"""Writing to a project's or a municipality's contact: the message goes through a real SMTP
server (aiosmtpd, started by the tests) with the sender as Reply-To, the contact's address is
on no page and in no export, bots and floods are refused, every message is kept for the
retention period, and the cached public pages stay without cookies."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from projects.contact import TOKEN_SALT, ContactMessage
from projects.models import Contact
from tests.factories import make_municipality, make_project
from tests.list_helpers import html_of
from tests.projects.test_exports import content_of, export
from tests.registry.conftest import smtp_server

pytestmark = pytest.mark.django_db
__all__ = ["smtp_server"]

SECRET = "anna.berg@kalix.se"


@pytest.fixture(autouse=True)
def quick_forms(settings):
    settings.CONTACT_MIN_SECONDS = 0


@pytest.fixture
def project():
    kalix = make_municipality("kalix", name="Kalix")
    project = make_project(slug="winter-school", title="Vinterskola", municipality=kalix)
    Contact.objects.create(
        name="Anna Berg", role="samordnare", municipality=kalix, project=project,
        email=SECRET, is_public=True,
    )
    Contact.objects.create(
        name="Office", municipality=kalix, email="office@kalix.se", is_public=True
    )
    return project


def form_data(client, url, **fields):
    html = html_of(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    return {
        "name": "Joseph Okello",
        "email": "joseph@masaka.example",
        "message": "Hello from Masaka! Can we visit in May?",
        "homepage": "",
        "token": token,
        **fields,
    }


def test_a_message_reaches_the_projects_contact_through_smtp(client, project, smtp_server):
    url = "/projects/winter-school/contact/"
    response = client.post(url, form_data(client, url), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == url + "?sent=1"
    [mail] = smtp_server.messages
    assert mail.recipients == [SECRET]
    assert mail["Reply-To"] == "joseph@masaka.example"
    assert "Vinterskola" in mail["Subject"]
    body = mail.get_content()
    assert "Hello from Masaka! Can we visit in May?" in body
    assert "http://testserver/projects/winter-school/" in body
    kept = ContactMessage.objects.get()
    assert (kept.project, kept.municipality.slug, kept.sent) == (project, "kalix", True)
    assert "Your message has been sent." in html_of(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    )


def test_a_municipalitys_message_goes_to_its_own_contacts(client, project, smtp_server):
    url = "/municipalities/kalix/contact/"
    assert client.post(url, form_data(client, url)).status_code == 302
    assert smtp_server.messages[0].recipients == ["office@kalix.se"]
    assert ContactMessage.objects.get().project is None


def test_no_address_appears_on_any_page_or_export(client, project):
    pages = [
        "/projects/winter-school/",
        "/projects/winter-school/contact/",
        "/municipalities/kalix/",
        "/municipalities/kalix/contact/",
    ]
    for page in pages:
        html = html_of(client.get(page))
        assert SECRET not in html and "office@kalix.se" not in html and "mailto:" not in html
    assert 'href="/projects/winter-school/contact/"' in html_of(client.get(pages[0]))
    assert 'href="/municipalities/kalix/contact/"' in html_of(client.get(pages[2]))
    for fmt in ["csv", "json", "xlsx"]:
        assert SECRET.encode() not in content_of(export(client, fmt))


def test_the_cached_pages_set_no_cookie_and_the_form_page_is_never_stored(client, project):
    for page in ["/projects/winter-school/", "/municipalities/kalix/"]:
        response = client.get(page)
        assert not response.cookies, page
    form_page = client.get("/projects/winter-school/contact/")
    assert "csrftoken" in form_page.cookies
    assert "no-store" in form_page["Cache-Control"]


def test_the_form_needs_its_csrf_token(project):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = "/projects/winter-school/contact/"
    assert client.post(url, form_data(client, url)).status_code == 403
    assert not ContactMessage.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"homepage": "http://spam.example"}, "The message could not be sent."),
        ({"token": "forged"}, "The form is too old."),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"message": ""}, "This field is required."),
    ],
)
def test_bots_and_bad_input_get_the_form_back_and_nothing_is_sent(
    client, project, smtp_server, change, message
):
    url = "/projects/winter-school/contact/"
    response = client.post(url, form_data(client, url, **change), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in html_of(response)
    assert not smtp_server.messages and not ContactMessage.objects.exists()


def test_a_token_for_another_page_or_sent_at_once_is_refused(client, project, settings):
    url = "/projects/winter-school/contact/"
    other = signing.dumps({"target": "municipality:1", "at": 0}, salt=TOKEN_SALT)
    assert client.post(url, form_data(client, url, token=other)).status_code == 400
    settings.CONTACT_MIN_SECONDS = 3600
    response = client.post(url, form_data(client, url), HTTP_ACCEPT_LANGUAGE="en")
    assert "That was very quick." in html_of(response)
    assert not ContactMessage.objects.exists()


def test_a_sender_and_a_recipient_are_bounded(client, project, smtp_server, settings):
    settings.CONTACT_LIMIT_PER_SENDER = 2
    settings.CONTACT_LIMIT_PER_RECIPIENT = 3
    url = "/projects/winter-school/contact/"
    for _ in range(2):
        assert client.post(url, form_data(client, url)).status_code == 302
    refused = client.post(url, form_data(client, url), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "several messages in the last hour" in html_of(refused)
    # Another sender may still write, until the project has had its day's share.
    other = form_data(client, url, email="someone@else.example")
    assert client.post(url, other).status_code == 302
    refused = client.post(url, form_data(client, url, email="third@else.example"))
    assert refused.status_code == 429
    assert len(smtp_server.messages) == ContactMessage.objects.count() == 3


def test_a_message_is_kept_when_the_mail_server_is_away_and_pruned_after_retention(
    client, project, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.CONTACT_MESSAGES_KEPT_DAYS = 30
    old = ContactMessage.objects.create(
        municipality=project.municipality, sender_name="Old", sender_email="old@example.org",
        message="x", created_at=timezone.now() - timedelta(days=31),
    )
    recent = ContactMessage.objects.create(
        municipality=project.municipality, sender_name="Recent", sender_email="r@example.org",
        message="y", created_at=timezone.now() - timedelta(days=29),
    )
    url = "/projects/winter-school/contact/"
    response = client.post(url, form_data(client, url))
    assert response["Location"] == url + "?sent=kept"
    kept = ContactMessage.objects.exclude(pk=recent.pk).get()
    assert not kept.sent and kept.message.startswith("Hello from Masaka")
    assert not ContactMessage.objects.filter(pk=old.pk).exists()


def test_a_project_without_a_public_address_offers_no_form(client):
    make_project(slug="silent", municipality=make_municipality("skara", name="Skara"))
    assert "/contact/" not in html_of(client.get("/projects/silent/"))
    response = client.get("/projects/silent/contact/", HTTP_ACCEPT_LANGUAGE="en")
    assert "There is no public contact to write to here." in html_of(response)
    assert client.get("/projects/nothing-here/contact/").status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [("sv", "Skicka meddelandet"), ("en", "Send the message"), ("lv", "Nosūtīt ziņu")],
)
def test_the_form_reads_in_each_language(client, project, language, words):
    html = html_of(client.get("/projects/winter-school/contact/", HTTP_ACCEPT_LANGUAGE=language))
    assert words in html


def test_coordinators_read_only_their_municipalitys_messages(client, project):
    from tests.admin_helpers import MODEL_BACKEND, add_coordinator

    ContactMessage.objects.create(
        municipality=project.municipality, sender_name="Joseph", sender_email="j@example.org",
        message="Hello",
    )
    skara = make_municipality("skara", name="Skara")
    ContactMessage.objects.create(
        municipality=skara, sender_name="Other", sender_email="o@example.org", message="Hej"
    )
    client.force_login(add_coordinator("kalix-c", project.municipality), backend=MODEL_BACKEND)
    html = html_of(client.get("/admin/projects/contactmessage/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Joseph" in html and "Other" not in html
    other = ContactMessage.objects.get(sender_name="Other")
    assert client.get(f"/admin/projects/contactmessage/{other.pk}/change/").status_code in (
        302, 404
    )
