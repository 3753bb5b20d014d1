"""A network's purpose and who may join, and a member's role, in Swedish, English and Latvian:
the pages show the visitor's language when translated, and say in words when they show the
original; administrators add a network's translations in its form, which coordinators only
read; coordinators translate their own municipality's memberships' roles."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from networks.models import Membership, MembershipTranslation, Network, NetworkTranslation
from tests.admin_helpers import (
    MODEL_BACKEND,
    CoordinatorsTestCase,
    add_coordinator,
    changeform_data,
)
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


# A member's role.


@pytest.fixture
def member(network):
    kalix = make_municipality("kalix", name="Kalix")
    membership = Membership.objects.create(network=network, municipality=kalix, role="Grundare")
    MembershipTranslation.objects.create(
        membership=membership, language="en", role="Founder", translated_by="Kalix kommun"
    )
    linkoping = make_municipality("linkoping", name="Linköping")
    Membership.objects.create(network=network, municipality=linkoping, role="Tandemmedlem")
    return membership


def test_a_members_role_is_shown_translated_or_said_to_be_in_the_original(client, member):
    html = get(client, "/networks/nordic-city-network/", "en")
    assert '<span lang="en">Founder</span>' in html
    assert '<span lang="sv">Tandemmedlem</span>' in html
    assert "Translated from Swedish. Not reviewed." in notices(html)
    assert (
        "Roles without a translation are shown in Swedish, the language they were written in."
        in notices(html)
    )
    html = get(client, "/municipalities/kalix/", "en")
    assert '– <span lang="en">Founder</span>' in html
    assert notices(html) == ["Translated from Swedish. Not reviewed."]
    html = get(client, "/municipalities/kalix/", "sv")
    assert '– <span lang="sv">Grundare</span>' in html
    assert notices(html) == []


class MembershipTranslationAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        network = Network.objects.create(name="Eurocities", slug="eurocities")
        cls.membership = Membership.objects.create(
            network=network, municipality=cls.kalix, role="Medlem"
        )
        cls.other = Membership.objects.create(
            network=network, municipality=cls.norrkoping, role="Grundare"
        )
        MembershipTranslation.objects.create(
            membership=cls.other, language="en", role="Founder", translated_by="Norrköping"
        )

    def test_a_coordinator_translates_a_role_in_the_memberships_form(self):
        self.sign_in(self.kalix_user)
        url = reverse("admin:networks_membership_change", args=[self.membership.pk])
        data = changeform_data(self.client.get(url))
        data.update(
            {
                "translations-TOTAL_FORMS": "1",
                "translations-0-language": "en",
                "translations-0-role": "Member",
                "translations-0-translated_by": "Anna Berg",
            }
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        self.assertEqual(self.membership.translations.get().role, "Member")

    def test_a_latvian_coordinators_new_membership_starts_in_latvian(self):
        daugavpils = make_municipality("daugavpils", name="Daugavpils", country_code="LV")
        user = add_coordinator("daugavpils-coordinator", daugavpils)
        self.sign_in(user)
        form = self.client.get(reverse("admin:networks_membership_add"))
        self.assertEqual(form.context["adminform"].form.initial["language"], "lv")

    def test_a_coordinator_of_another_municipality_never_reaches_a_role_translation(self):
        self.sign_in(self.kalix_user)
        response = self.client.get(
            reverse("admin:networks_membership_change", args=[self.other.pk])
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotContains(response, "Founder", status_code=response.status_code)
