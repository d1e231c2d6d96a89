"""The OpenAPI schema: valid OpenAPI 3.1 without a warning, every
operation with its scope, an example and the problem responses."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture
def schema(db, tmp_path) -> dict:
    path = tmp_path / "schema.yaml"
    # --validate checks the document against the OpenAPI specification's
    # JSON schema; --fail-on-warn turns any of drf-spectacular's warnings
    # (an undocumented field, a guessed type) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_the_schema_validates_and_documents_every_operation(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["components"]["securitySchemes"]["PartnerKey"]["type"] == "apiKey"
    operations = [(method, op) for path in schema["paths"].values() for method, op in path.items()]
    assert len(operations) >= 15
    for method, operation in operations:
        (requirement,) = operation["security"]
        assert requirement["PartnerKey"] in (
            ["directory:read"],
            ["reviews:read"],
            ["invoices:write"],
            ["sessions:write"],
            ["webhooks:manage"],
        )
        assert "Scope:" in operation["description"]
        responses = operation["responses"]
        success = next(code for code in ("200", "201", "202", "204") if code in responses)
        if success != "204":
            ok = responses[success]["content"]["application/json"]
            assert ok.get("examples"), operation["operationId"]
        statuses = ["400", "401", "403", "429"]
        writes = requirement["PartnerKey"] in (["invoices:write"], ["sessions:write"])
        if method == "post" and writes:
            statuses += ["404", "409", "413", "422"]
            request = operation["requestBody"]["content"]["application/json"]
            assert request.get("examples"), operation["operationId"]
            headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
            assert headers == ["Idempotency-Key"]
            assert "Idempotent-Replayed" in operation["responses"][success]["headers"]
        for status in statuses:
            problem = operation["responses"][status]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_the_schema_is_public(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert b"/api/v1/companies" in response.content


def test_the_path_and_query_parameters_say_what_the_api_accepts(schema):
    """Found by the conformance run: a slug is what the path converter
    matches, an id an integer, ``limit`` bounded, the idempotency key's
    format stated; each path parameter has an example naming a real row
    of the examples (the company ``alpha-electricite``)."""
    for path, item in schema["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                if where == "path":
                    assert parameter.get("examples"), (path, name)
                if name == "slug":
                    assert parameter["schema"]["pattern"] == r"^[-a-zA-Z0-9_]+$"
                elif name.endswith("_id"):
                    assert parameter["schema"]["type"] == "integer", (path, name)
                    assert parameter["schema"]["minimum"] == 1
                elif name == "limit":
                    assert parameter["schema"]["maximum"] == 50, path
                elif name == "Idempotency-Key":
                    # Printable ASCII but the comma (the header sent twice).
                    assert parameter["schema"]["pattern"] == r"^[!-+\--~]([ -+\--~]*[!-+\--~])?$"
                    assert parameter["schema"]["maxLength"] == 255
