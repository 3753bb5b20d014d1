"""A network's purpose and who may join in Swedish, English and Latvian: its page and the list
show the visitor's language when translated, and say in words when they show the original;
administrators add translations in the network's form, which coordinators only read."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from networks.models import Network, NetworkTranslation
from tests.admin_helpers import MODEL_BACKEND, add_coordinator, changeform_data
from tests.factories import make_municipality
from tests.list_helpers import html_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    network = Network.objects.create(
        name="Nordic City Network",
        slug="nordic-city-network",
        purpose="Ett nätverk för nordiska städer.",
        who_may_join="Nordiska städer",
        language="sv",
    )
    NetworkTranslation.objects.create(
        network=network,
        language="en",
        purpose="A network of Nordic cities.",
        translated_by="Norrköpings kommun",
        machine=True,
    )
    return network


def notices(html):
    found = re.findall(r'<p class="translation-notice[^"]*">(.*?)</p>', html)
    return [text_of(notice) for notice in found]


def get(client, path, language):
    return html_of(client.get(path, HTTP_ACCEPT_LANGUAGE=language))


def test_the_network_page_shows_the_translated_purpose_with_its_labels_and_original(
    client, network
):
    html = get(client, "/networks/nordic-city-network/", "en")
    assert '<p class="measure" lang="en">A network of Nordic cities.</p>' in html
    assert notices(html) == [
        "Translated from Swedish by Norrköpings kommun. Machine translation. Not reviewed."
    ]
    original = re.search(r'<details class="original-text">(.*?)</details>', html, re.S)[1]
    assert '<p class="measure" lang="sv">Ett nätverk för nordiska städer.</p>' in original
    # Who may join is not translated: in Swedish, marked so.
    assert '<dd lang="sv">Nordiska städer</dd>' in html


def test_without_a_translation_the_network_page_says_it_shows_the_original(client, network):
    html = get(client, "/networks/nordic-city-network/", "lv")
    assert '<p class="measure" lang="sv">Ett nätverk för nordiska städer.</p>' in html
    assert notices(html) == [
        "Rādīts zviedru valodā, kurā tas sākotnēji rakstīts; tulkojuma latviešu valodā vēl nav."
    ]
    assert notices(get(client, "/networks/nordic-city-network/", "sv")) == []


def test_the_network_list_shows_the_translated_purpose(client, network):
    html = get(client, "/networks/", "en")
    assert '<p lang="en">A network of Nordic cities.</p>' in html
    assert notices(html) == ["Translated from Swedish. Machine translation. Not reviewed."]
    html = get(client, "/networks/", "sv")
    assert '<p lang="sv">Ett nätverk för nordiska städer.</p>' in html


def test_editing_a_networks_translation_updates_its_cached_page(client, network, settings):
    settings.PAGE_CACHE_SECONDS = 300
    assert "A network of Nordic cities." in get(client, "/networks/nordic-city-network/", "en")
    translation = network.translations.get()
    translation.purpose = "Nordic cities working together."
    translation.reviewed_by, translation.reviewed_on = "Anna Berg", datetime.date(2025, 1, 2)
    translation.save()
    html = get(client, "/networks/nordic-city-network/", "en")
    assert "Nordic cities working together." in html
    assert notices(html) == [
        "Translated from Swedish by Norrköpings kommun. Machine translation. Reviewed by Anna "
        "Berg on Jan. 2, 2025."
    ]


def test_an_administrator_adds_a_translation_in_the_networks_form(client, network):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin, backend=MODEL_BACKEND)
    url = reverse("admin:networks_network_change", args=[network.pk])
    data = changeform_data(client.get(url))
    data.update(
        {
            "translations-TOTAL_FORMS": "2",
            "translations-1-language": "lv",
            "translations-1-purpose": "Ziemeļvalstu pilsētu tīkls.",
            "translations-1-translated_by": "Daugavpils",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert network.translations.get(language="lv").purpose == "Ziemeļvalstu pilsētu tīkls."
    html = get(client, "/networks/nordic-city-network/", "lv")
    assert '<p class="measure" lang="lv">Ziemeļvalstu pilsētu tīkls.</p>' in html


def test_a_coordinator_reads_a_network_but_adds_no_translation(client, network):
    coordinator = add_coordinator("kalix-coordinator", make_municipality("kalix", name="Kalix"))
    client.force_login(coordinator, backend=MODEL_BACKEND)
    url = reverse("admin:networks_network_change", args=[network.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = changeform_data(response)
    data.update({"translations-TOTAL_FORMS": "2", "translations-1-language": "lv",
                 "translations-1-purpose": "x", "translations-1-translated_by": "x"})
    assert client.post(url, data).status_code == 403
    assert not network.translations.filter(language="lv").exists()
