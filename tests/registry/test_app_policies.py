"""Each app declares its own policies in its AppConfig (apps.py): which municipality owns a
row, which reference data coordinators may look at, which reads may go to a replica. The
platform in registry/ finds them through the app registry and names no other app's models."""

from types import SimpleNamespace

import pytest
from django.apps import apps

from registry import admin_confinement, db_router


def labels(models):
    return {model._meta.label for model in models}


def test_the_owned_models_and_their_paths_come_from_each_apps_declaration():
    paths = {
        model._meta.label: admin_confinement.owner_path(model)
        for model in admin_confinement.owned_models()
    }
    assert paths == {
        "projects.Project": "municipality",
        "projects.Event": "project__municipality",
        "projects.Contact": "municipality",
        "projects.Strategy": "municipality",
        "projects.StrategyItem": "strategy__municipality",
        "projects.Grant": "project__municipality",
        "projects.FunderReference": "project__municipality",
        "projects.Result": "project__municipality",
        "projects.Picture": "project__municipality",
        "projects.ProjectTranslation": "project__municipality",
        "projects.EventTranslation": "event__project__municipality",
        "projects.StrategyItemTranslation": "item__strategy__municipality",
        "projects.ContactMessage": "municipality",
        "registry.Organisation": "municipality",
        "networks.Membership": "municipality",
        "networks.MembershipSource": "membership__municipality",
        "networks.MembershipTranslation": "membership__municipality",
        "projects.ProjectFunder": "project__municipality",
        "projects.ProjectGoal": "project__municipality",
        "projects.ProjectSource": "project__municipality",
        "projects.EventSource": "event__project__municipality",
        "projects.StrategySource": "strategy__municipality",
    }
    assert labels(admin_confinement.reference_models()) == {
        "registry.Country",
        "registry.Goal",
        "registry.Funder",
        "registry.Municipality",
        "registry.Source",
        "networks.Network",
    }
    assert labels(admin_confinement.added_by_coordinators()) == {"registry.Municipality"}


def test_every_admin_of_a_municipality_owned_model_is_confined():
    from django.contrib import admin

    owned = set(admin_confinement.owned_models())
    for model, model_admin in admin.site._registry.items():
        if model in owned:
            assert isinstance(model_admin, admin_confinement.MunicipalityConfinementMixin), model


def test_the_declarations_pass_the_system_check():
    assert admin_confinement.check_declarations() == []


@pytest.mark.parametrize(
    ("owned", "reference", "error"),
    [
        ({"Projekt": "municipality"}, [], "registry.E001"),
        ({}, ["Netwrok"], "registry.E001"),
        ({"Event": "project__title"}, [], "registry.E002"),
        ({"Event": "project"}, [], "registry.E002"),
    ],
)
def test_a_mistaken_declaration_is_a_system_check_error(owned, reference, error):
    real = apps.get_app_config("projects")
    config = SimpleNamespace(
        label="projects",
        get_model=real.get_model,
        municipality_owned=owned,
        reference_models=reference,
    )
    errors = admin_confinement.check_declarations(app_configs=[config])
    assert [found.id for found in errors] == [error]


def test_a_mistaken_name_of_what_coordinators_add_is_a_system_check_error():
    config = SimpleNamespace(
        label="registry",
        get_model=apps.get_app_config("registry").get_model,
        added_by_coordinators=["Municipalty"],
    )
    errors = admin_confinement.check_declarations(app_configs=[config])
    assert [found.id for found in errors] == ["registry.E001"]


def test_only_the_apps_that_declare_public_reads_may_read_from_a_replica():
    public = {model._meta.app_label for model in apps.get_models() if db_router.is_public(model)}
    assert public == {"registry", "projects", "networks"}
