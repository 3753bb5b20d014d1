"""/accessibility/report/: the accessibility statement's contact route, on every deployment.
A visitor's report goes through a real SMTP server (aiosmtpd, started by the tests) to
ACCESSIBILITY_CONTACT_EMAIL or, without it, to the superusers' addresses; it is kept for the
records either way; the address is on no page; bad input gets the form back, never a 500."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone

from registry.models import AccessibilityMessage
from registry.views import TOKEN_SALT
from tests.list_helpers import html_of
from tests.registry.conftest import smtp_server

pytestmark = pytest.mark.django_db
__all__ = ["smtp_server"]

URL = "/accessibility/report/"
MAILBOX = "tillganglighet@registret.example"

SENT = {
    "sv": "Ditt meddelande har skickats.",
    "en": "Your message has been sent.",
    "lv": "Jūsu ziņa ir nosūtīta.",
}


@pytest.fixture(autouse=True)
def quick_forms(settings):
    settings.CONTACT_MIN_SECONDS = 0


def language_client(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def form_data(client, **fields):
    token = re.search(r'name="token" value="([^"]+)"', html_of(client.get(URL)))[1]
    return {
        "name": "Ilze Kalniņa",
        "email": "ilze@example.lv",
        "message": "The map cannot be used with the keyboard on /countries/.",
        "homepage": "",
        "token": token,
        **fields,
    }


@pytest.mark.parametrize("language", ["sv", "en", "lv"])
def test_a_report_reaches_the_configured_address_through_smtp_in_each_language(
    client, settings, smtp_server, language
):
    settings.ACCESSIBILITY_CONTACT_EMAIL = MAILBOX
    client = language_client(client, settings, language)

    response = client.post(URL, form_data(client))

    assert response.status_code == 302 and response["Location"] == URL + "?sent=1"
    [mail] = smtp_server.messages
    assert mail.recipients == [MAILBOX]
    assert mail["Reply-To"] == "ilze@example.lv"
    # In the site's language whatever the visitor's, which every recipient reads.
    # (A non-ASCII subject is folded onto its own line: the parsed header keeps the space.)
    assert mail["Subject"].strip() == "Meddelande via registret: Tillgänglighetsredogörelse"
    body = mail.get_content()
    assert "The map cannot be used with the keyboard on /countries/." in body
    assert "Ilze Kalniņa <ilze@example.lv>" in body
    assert "http://testserver/accessibility/" in body
    kept = AccessibilityMessage.objects.get()
    assert (kept.sender_email, kept.recipients, kept.sent) == ("ilze@example.lv", MAILBOX, True)
    answer = html_of(client.get(response["Location"]))
    assert SENT[language] in answer and f'<html lang="{language}">' in answer


def test_without_a_configured_address_reports_go_to_the_superusers(client, settings, smtp_server):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    users = get_user_model().objects
    users.create_superuser("admin", "admin@registret.example", "x")
    users.create_superuser("second", "second@registret.example", "x")
    users.create_superuser("no-address", "", "x")
    users.create_superuser("gone", "gone@registret.example", "x", is_active=False)
    users.create_user("coordinator", "anna@kalix.example", "x", is_staff=True)

    assert client.post(URL, form_data(client)).status_code == 302

    [mail] = smtp_server.messages
    assert sorted(mail.recipients) == ["admin@registret.example", "second@registret.example"]
    assert AccessibilityMessage.objects.get().sent


def test_with_no_address_at_all_the_report_is_kept_for_the_admin(client, settings, smtp_server):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""

    response = client.post(URL, form_data(client), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Location"] == URL + "?sent=kept"
    assert not smtp_server.messages
    kept = AccessibilityMessage.objects.get()
    assert (kept.recipients, kept.sent) == ("", False)
    answer = html_of(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en"))
    assert "It is kept for those who run the registry" in answer


def test_the_address_appears_on_no_page(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = MAILBOX
    get_user_model().objects.create_superuser("admin", "admin@registret.example", "x")

    for page in ["/accessibility/", URL, URL + "?sent=1"]:
        html = html_of(client.get(page))
        assert MAILBOX not in html and "admin@registret.example" not in html
        assert "mailto:" not in html


def test_the_statement_links_the_form_and_stays_cacheable(english):
    statement = english.get("/accessibility/")
    assert f'<a href="{URL}">form for reporting accessibility problems</a>' in html_of(statement)
    assert not statement.cookies
    form_page = english.get(URL)
    assert "csrftoken" in form_page.cookies
    assert "no-store" in form_page["Cache-Control"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"homepage": "http://spam.example"}, "The message could not be sent."),
        ({"token": "forged"}, "The form is too old."),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"message": ""}, "This field is required."),
        ({"name": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bots_and_bad_input_get_the_form_back_and_nothing_is_sent(
    english, settings, smtp_server, change, message
):
    settings.ACCESSIBILITY_CONTACT_EMAIL = MAILBOX

    response = english.post(URL, form_data(english, **change))

    assert response.status_code == 400
    assert message in html_of(response)
    assert not smtp_server.messages and not AccessibilityMessage.objects.exists()


def test_a_token_of_a_contact_form_or_sent_at_once_is_refused(english, settings):
    contact_token = signing.dumps({"target": "accessibility", "at": 0}, salt="projects.contact")
    assert english.post(URL, form_data(english, token=contact_token)).status_code == 400
    other_page = signing.dumps({"target": "project:1", "at": 0}, salt=TOKEN_SALT)
    assert english.post(URL, form_data(english, token=other_page)).status_code == 400
    settings.CONTACT_MIN_SECONDS = 3600
    response = english.post(URL, form_data(english))
    assert "That was very quick." in html_of(response)
    assert not AccessibilityMessage.objects.exists()


def test_an_empty_post_is_a_form_error(english):
    response = english.post(URL, {})
    assert response.status_code == 400
    assert "This field is required." in html_of(response)


def test_a_sender_and_the_mailbox_are_bounded(english, settings, smtp_server):
    settings.ACCESSIBILITY_CONTACT_EMAIL = MAILBOX
    settings.CONTACT_LIMIT_PER_SENDER = 2
    settings.CONTACT_LIMIT_PER_RECIPIENT = 3
    for _ in range(2):
        assert english.post(URL, form_data(english)).status_code == 302
    refused = english.post(URL, form_data(english))
    assert refused.status_code == 429
    assert "several messages in the last hour" in html_of(refused)
    assert english.post(URL, form_data(english, email="other@example.lv")).status_code == 302
    refused = english.post(URL, form_data(english, email="third@example.lv"))
    assert refused.status_code == 429
    assert "Many messages have been sent here today" in html_of(refused)
    assert len(smtp_server.messages) == AccessibilityMessage.objects.count() == 3


def test_a_report_is_kept_when_the_mail_server_is_away_and_old_ones_are_pruned(
    english, settings
):
    settings.ACCESSIBILITY_CONTACT_EMAIL = MAILBOX
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.CONTACT_MESSAGES_KEPT_DAYS = 30
    old = AccessibilityMessage.objects.create(
        sender_name="Old", sender_email="old@example.org", message="x",
        created_at=timezone.now() - timedelta(days=31),
    )
    recent = AccessibilityMessage.objects.create(
        sender_name="Recent", sender_email="r@example.org", message="y",
        created_at=timezone.now() - timedelta(days=29),
    )

    response = english.post(URL, form_data(english))

    assert response["Location"] == URL + "?sent=kept"
    kept = AccessibilityMessage.objects.exclude(pk=recent.pk).get()
    assert not kept.sent and kept.message.startswith("The map cannot")
    assert not AccessibilityMessage.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", "Rapportera ett tillgänglighetsproblem"),
        ("en", "Report an accessibility problem"),
        ("lv", "Ziņot par piekļūstamības problēmu"),
    ],
)
def test_the_form_reads_in_each_language(client, settings, language, words):
    html = html_of(language_client(client, settings, language).get(URL))
    assert f"<h1>{words}</h1>" in html
    assert f'<html lang="{language}">' in html


def test_only_superusers_read_the_reports_in_the_admin(client):
    from tests.admin_helpers import MODEL_BACKEND, add_coordinator
    from tests.factories import make_municipality

    AccessibilityMessage.objects.create(
        sender_name="Ilze", sender_email="ilze@example.lv", message="Contrast"
    )
    coordinator = add_coordinator("kalix-c", make_municipality("kalix", name="Kalix"))
    client.force_login(coordinator, backend=MODEL_BACKEND)
    assert client.get("/admin/registry/accessibilitymessage/").status_code == 403
    admin = get_user_model().objects.create_superuser("admin", "admin@registret.example", "x")
    client.force_login(admin, backend=MODEL_BACKEND)
    html = html_of(client.get("/admin/registry/accessibilitymessage/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Ilze" in html and "ilze@example.lv" in html
    assert "Add accessibility report" not in html
