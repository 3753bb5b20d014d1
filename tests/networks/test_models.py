"""Networks and memberships: the relation the network filter and the project index read."""

import pytest

from networks.models import Membership, Network
from tests.factories import make_municipality

pytestmark = pytest.mark.django_db


def test_members_by_network_names_each_networks_member_municipalities():
    kalix, skara, riga = (make_municipality(slug) for slug in ("kalix", "skara", "riga"))
    nordic = Network.objects.create(name="Nordic City Network", slug="nordic")
    baltic = Network.objects.create(name="Union of the Baltic Cities", slug="ubc")
    Network.objects.create(name="No members yet", slug="empty")
    for network, municipality in [(nordic, kalix), (nordic, skara), (baltic, riga)]:
        Membership.objects.create(network=network, municipality=municipality)

    members = Membership.objects.members_by_network()

    assert members == {nordic.pk: {kalix.pk, skara.pk}, baltic.pk: {riga.pk}}
    assert Membership.objects.filter(network=baltic).members_by_network() == {
        baltic.pk: {riga.pk}
    }
