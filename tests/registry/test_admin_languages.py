"""Every admin screen a coordinator reaches is in their language: Swedish, English or Latvian,
third-party apps' screens (import and export, history, two-factor) and messages included."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import reversion
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from networks.models import Membership, Network
from projects.models import Contact, Strategy
from projects.resources import COLUMNS
from registry.admin_accounts import administrators_group, invitation_tokens
from tests.admin_helpers import MODEL_BACKEND, add_coordinator, changeform_data
from tests.factories import (
    make_country,
    make_event,
    make_funder,
    make_goal,
    make_municipality,
    make_organisation,
    make_project,
)
from tests.registry.language_check import checker, page_strings

pytestmark = pytest.mark.django_db

LANGUAGES = ["sv", "en", "lv"]
# Pages that leave the admin or end the session.
SKIP = re.compile(r"^/admin/(logout/|r/|jsi18n/)|/delete/$|/export/\?|/import/\?")
MAX_PAGES = 160


@pytest.fixture
def kalix(db):
    """Kalix with a coordinator and one of everything a coordinator keeps, named in no
    language (the check is of the interface, not of the records)."""
    kalix = make_municipality("kalix", name="Kalix")
    coordinator = add_coordinator("kalix-coordinator", kalix)
    unit = make_organisation(kalix, slug="kalix-skola", name="Kalix Folkhögskola")
    make_country("LV")
    make_goal(4)
    make_funder("erasmus", name="Erasmus+")
    with reversion.create_revision():
        project = make_project(
            title="Kalix–Rēzekne 2030",
            slug="kalix-rezekne",
            municipality=kalix,
            countries=["LV"],
            goals=[4],
            funders=["erasmus"],
            organisations=[unit],
            start_year=2020,
            end_year=2024,
        )
        reversion.set_user(coordinator)
    make_event(project, title="Kickoff Rēzekne", date=datetime.date(2021, 3, 4))
    Contact.objects.create(municipality=kalix, name="Anna Berg", project=project)
    network = Network.objects.create(name="Baltic Cities", slug="baltic-cities")
    Membership.objects.create(network=network, municipality=kalix)
    Strategy.objects.create(municipality=kalix, title="Kalix 2030", slug="kalix-2030")
    gone = make_project(title="Kalix–Riga 2019", slug="kalix-riga", municipality=kalix)
    draft = make_project(
        title="Kalix–Tartu", slug="kalix-tartu", municipality=kalix, publication="draft"
    )
    # An administrator, who reaches every page a coordinator does and the coordinator list.
    coordinator.groups.add(administrators_group())
    colleague = add_coordinator("bo@kalix.se", kalix)
    colleague.set_unusable_password()
    colleague.save()
    return {
        "municipality": kalix,
        "coordinator": coordinator,
        "project": project,
        "gone": gone,
        "draft": draft,
        "colleague": colleague,
    }


def _links(html):
    for href in re.findall(r'href="([^"]+)"', html):
        href = href.replace("&amp;", "&")
        if href.startswith("?"):
            continue
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/admin/"):
            continue
        yield href


def _shape(url):
    """Pages of one kind (any project's change page) are visited once, per set of parameters."""
    parts = urlsplit(url)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    segments = parts.path.split("/")
    if len(segments) > 5:  # /admin/<app>/<model>/<id>/…: any record will do
        segments[4] = "N"
    return "/".join(segments), tuple(names[:1])


def walk(client, start):
    """Every admin page reachable from `start` by links, one of each kind: {url: html}."""
    seen, pages, queue = set(), {}, list(start)
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if SKIP.search(url) or _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(_links(html))
    return pages


def post_pages(client, kalix):
    """Pages seen only after a form: messages, import previews and results, confirmations."""
    project = kalix["project"]
    pages = {}
    change = reverse("admin:projects_project_change", args=[project.pk])
    data = changeform_data(client.get(change))
    data["summary"] = "Ny sammanfattning"
    data["end_year"] = "2025"
    response = client.post(change, data, follow=True)
    pages["saved"] = response.content.decode()
    history = client.get(reverse("admin:projects_project_history", args=[project.pk]))
    pages["history"] = history.content.decode()
    response = client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "mark_reviewed", "_selected_action": [project.pk]},
        follow=True,
    )
    pages["action"] = response.content.decode()
    client.post(
        reverse("admin:projects_project_delete", args=[kalix["gone"].pk]), {"post": "yes"}
    )
    response = client.get(reverse("admin:projects_project_delete", args=[project.pk]))
    pages["delete"] = response.content.decode()
    header = ",".join(COLUMNS)
    for name, row in [
        ("import-ok", "kalix-y,Kalix Y,,,en,exchange,2021,2022,0,LV,4,,,,draft,"),
        ("import-bad", "kalix-x,Kalix X,,,en,exchange,2024,2022,0,XX,4,,,,draft,"),
    ]:
        upload = SimpleUploadedFile("projekt.csv", f"{header}\n{row}\n".encode(), "text/csv")
        response = client.post(
            reverse("admin:projects_project_import"),
            {"format": "0", "import_file": upload, "resource": "0"},
        )
        pages[name] = response.content.decode()
        if name == "import-ok":
            form = response.context["confirm_form"]
            confirm = {key: form.initial[key] for key in form.initial}
            response = client.post(
                reverse("admin:projects_project_process_import"), confirm, follow=True
            )
            pages["import-done"] = response.content.decode()
    # The partners' popups from the project form: a refusal each, and what is left of the
    # popup once something is added (what it says without JavaScript).
    organisation = reverse("admin:registry_organisation_add")
    popup = "?_to_field=id&_popup=1&_ownerless_link=projects.project.partner_organisations"
    partner = {"name": "Rēzekne Academy", "country": "LV", "kind": "other", "_popup": "1"}
    for name, data in [("partner-refused", {**partner, "country": ""}), ("partner", partner)]:
        response = client.post(organisation + popup, data)
        pages[name] = response.content.decode().replace("<noscript>", "").replace("</noscript>", "")
    response = client.post(
        reverse("admin:registry_municipality_add") + "?_to_field=id&_popup=1",
        {"name": "Haparanda", "country": "SE", "kind": "municipality", "_popup": "1"},
    )
    pages["municipality-refused"] = response.content.decode()
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_a_coordinator_reaches_is_in_their_language(client, kalix, language):
    client.cookies["django_language"] = language
    client.force_login(kalix["coordinator"], backend=MODEL_BACKEND)
    pages = post_pages(client, kalix)
    start = [
        "/admin/",
        reverse("admin:projects_project_preview", args=[kalix["draft"].pk]),
        reverse("admin:projects_project_change", args=[kalix["draft"].pk]),
        reverse("admin:colleague_remove", args=[kalix["colleague"].pk]),
        reverse("admin:colleague_invite"),
        reverse("admin:two_factor_enrol"),
    ]
    pages.update(walk(client, start))
    for added in ["Add a partner organisation", "Add a partner municipality"]:
        with translation.override(language):
            assert any(translation.gettext(added) in html for html in pages.values()), added
    assert "is added to the registry" in pages["partner"] or language != "en"
    assert len(pages) > 30, sorted(pages)
    check = checker(language)
    foreign = {
        url: found for url, html in pages.items() if (found := check(html))
    }
    assert not foreign, "\n".join(f"{url}: {found}" for url, found in foreign.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_before_signing_in_are_in_the_visitors_language(client, kalix, language):
    client.cookies["django_language"] = language
    colleague = kalix["colleague"]
    uid = urlsafe_base64_encode(force_bytes(colleague.pk))
    invitation = reverse(
        "admin:invitation_accept", args=[uid, invitation_tokens.make_token(colleague)]
    )
    pages = {}
    for url in [
        reverse("admin:login"),
        reverse("admin:password_reset"),
        reverse("admin:password_reset_done"),
        reverse("admin:password_reset_confirm", args=[uid, "wrong-token"]),
        invitation,
        reverse("admin:invitation_accept", args=[uid, "wrong-token"]),
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    pages["failed sign-in"] = response.content.decode()
    check = checker(language)
    foreign = {url: found for url, html in pages.items() if (found := check(html))}
    assert not foreign, "\n".join(f"{url}: {found}" for url, found in foreign.items())


LATVIAN_PHRASES = [
    ("admin:projects_project_changelist", "Pievienot ierakstu: projekts"),
    ("admin:projects_project_changelist", "Eksportēt atlasītos ierakstus: projekti"),
    ("admin:projects_project_add", "Jauns ieraksts: projekts"),
    ("admin:projects_project_recoverlist", "Atjaunot dzēstos ierakstus: projekti"),
]


@pytest.mark.parametrize(("url_name", "phrase"), LATVIAN_PHRASES)
def test_latvian_phrases_name_the_record_and_read_right(client, kalix, url_name, phrase):
    client.cookies["django_language"] = "lv"
    client.force_login(kalix["coordinator"], backend=MODEL_BACKEND)
    page = client.get(reverse(url_name)).content.decode()
    assert phrase in page
    assert "Pievienot projekts" not in page


def test_reversions_swedish_is_spelt_right(client, kalix):
    client.cookies["django_language"] = "sv"
    client.force_login(kalix["coordinator"], backend=MODEL_BACKEND)
    page = client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "Återskapa borttagna projekt" in page
    assert "bortagna" not in page


def test_the_check_finds_a_string_of_another_language():
    """The check itself: what it must find on a page of each language, and what it must not."""
    assert checker("sv")("<p>Export selected projekt</p><p>Spara</p>") == [
        "Export selected projekt"
    ]
    assert checker("lv")("<button title='Spara'>Saglabāt</button>") == ["Spara"]
    assert checker("en")("<p>Saglabāt</p><p>Save</p>") == ["Saglabāt"]
    assert page_strings("<script>var a = 'Save';</script><p> Kalix </p>") == ["Kalix"]
