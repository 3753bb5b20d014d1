"""The OpenAPI 3 document at /api/openapi.json validates, names the list page's every
parameter, and the API answers no request it describes with a 5xx (schemathesis generates the
requests, property-based, through the test client); the reference page loads only our own
files."""

import re
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from projects import project_index
from projects.filters import ProjectFilter
from tests.projects.open_data_helpers import make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    data = make_registry()
    project_index.forget()
    return data


def openapi_document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_validates_as_openapi_3(client):
    document = openapi_document(client)
    validate(document)
    assert document["openapi"].startswith("3.")


def test_the_project_list_takes_exactly_the_list_pages_parameters(client):
    operation = openapi_document(client)["paths"]["/api/projects/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {*ProjectFilter.base_filters, "page", "page_size"}
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert set(status["schema"]["items"]["enum"]) >= {"planned", "ongoing", "completed"}


def test_the_reference_page_shows_the_document_without_javascript(client):
    response = client.get("/api/reference/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html
    document = openapi_document(client)
    for path, methods in document["paths"].items():
        for method in methods:
            assert f"<code>{method.upper()} {path}</code>" in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<code>active_in</code>" in html and "<code>partner_country_names</code>" in html
    sources = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert all(s.startswith("/") for s in sources), sources
    assert "<script" not in html

def test_no_request_the_document_describes_answers_5xx(client, registry):
    """Every operation, with parameters schemathesis draws from the document (any text for a
    slug or a search, out-of-range numbers, repeated filters...): a 400 or 404 at worst."""
    document = schemathesis.openapi.from_dict(openapi_document(client))
    operations = [result.ok() for result in document.get_all_operations()]
    assert len(operations) == 13  # the root, and a list and a resource of each kind

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def answers_below_500(case):
            query = urlencode(case.query or {}, doseq=True)
            response = client.get(case.formatted_path, QUERY_STRING=query)
            assert response.status_code < 500, (case.formatted_path, query)
            assert response.status_code in {200, 400, 404}, (case.formatted_path, query)

        answers_below_500()
