"""/api/reference/: the API's reference, an ordinary page of the site rendered from the same
OpenAPI document as /api/openapi.json (drf-spectacular generates both from the API's code).

A page of our own rather than Swagger UI: it works without JavaScript, loads nothing from other
sites and meets WCAG 2.1 AA like every page (Swagger UI's markup nests interactive controls and
its colours fall short of the contrast minimum, which no stylesheet of ours can mend). The
document itself is one link away for tools that read OpenAPI.
"""

from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

REF_PREFIX = "#/components/schemas/"
METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema):
    """A short description of a JSON schema: a type, "list of …", a linked component, or an
    enumeration's values."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return {"text": name, "anchor": f"schema-{name}"}
    if schema.get("type") == "array":
        item = type_of(schema.get("items", {}))
        return {**item, "text": f"list of {item['text']}"}
    text = schema.get("type", "any")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if "enum" in schema:
        text += ": " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("nullable"):
        text += " or null"
    return {"text": text}


def operations(document):
    for path, methods in document["paths"].items():
        for method in METHODS:
            if method not in methods:
                continue
            operation = methods[method]
            yield {
                "id": operation["operationId"],
                "method": method.upper(),
                "path": path,
                "description": operation.get("description", ""),
                "parameters": [
                    {
                        "name": parameter["name"],
                        "location": parameter["in"],
                        "required": parameter.get("required", False),
                        "type": type_of(parameter.get("schema", {})),
                        "description": parameter.get("description", ""),
                    }
                    for parameter in operation.get("parameters", [])
                ],
                "responses": [
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "type": type_of(
                            response.get("content", {})
                            .get("application/json", {})
                            .get("schema", {})
                        )
                        if response.get("content")
                        else None,
                    }
                    for status, response in operation.get("responses", {}).items()
                ],
            }


def schemas(document):
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        yield {
            "name": name,
            "description": schema.get("description", ""),
            "properties": [
                {
                    "name": key,
                    "type": type_of(value),
                    "required": key in required,
                    "description": value.get("description", ""),
                }
                for key, value in schema.get("properties", {}).items()
            ],
        }


def api_reference(request):
    document = SchemaGenerator().get_schema(request=None, public=True)
    context = {
        "info": document["info"],
        "operations": list(operations(document)),
        "schemas": list(schemas(document)),
    }
    return render(request, "api/reference.html", context)
