"""The JSON API under /api/ (Django REST framework, OpenAPI 3 by drf-spectacular): the project
list with exactly the list page's filters, each project as a resource, and the reference data
(municipalities, goals, countries, funders, networks). docs/open-data.md describes it."""
