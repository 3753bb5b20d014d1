"""Networks and memberships: a member is a municipality or an organisation, and an assumed
membership says why."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from networks.models import Membership, Network
from registry.models import Basis, Organisation
from tests.factories import make_municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return Network.objects.create(name="EUnivercities", slug="eunivercities")


def test_an_organisation_can_be_a_member_and_is_found_by_its_natural_key(network):
    university = Organisation.objects.create(name="Linköpings universitet", slug="liu")
    town = make_municipality("linkoping")
    Membership.objects.create(network=network, organisation=university)
    Membership.objects.create(network=network, municipality=town)

    found = Membership.objects.get_by_natural_key("eunivercities", "liu")

    assert found.member == university
    assert found.natural_key() == ("eunivercities", "liu")
    assert Membership.objects.get_by_natural_key("eunivercities", "linkoping").member == town


def test_a_membership_names_exactly_one_member(network):
    town = make_municipality("linkoping")
    university = Organisation.objects.create(name="Linköpings universitet", slug="liu")
    with pytest.raises(ValidationError):
        Membership(network=network).full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Membership.objects.create(network=network, municipality=town, organisation=university)


def test_an_assumed_membership_must_say_why(network):
    membership = Membership(
        network=network, municipality=make_municipality("kalix"), basis=Basis.ASSUMED
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "basis_note" in error.value.message_dict
    membership.basis_note = "The plan names no member; Kalix runs a culture school there."
    membership.full_clean()
