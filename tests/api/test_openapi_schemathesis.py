"""schemathesis: generated requests against the OpenAPI document never give a 500 and always match it."""
import schemathesis
from hypothesis import HealthCheck, given, settings


def test_api_conforms_to_its_openapi_document(demo_app, demo_bearer):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "GET /api/v1/surveys", "GET /api/v1/surveys/{key}/satisfaction"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(headers=demo_bearer)

        conforms()
