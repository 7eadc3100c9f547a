"""schemathesis: generated requests against the OpenAPI document never give a 500 and always match it."""
import schemathesis
from hypothesis import HealthCheck, given, settings


def test_api_conforms_to_its_openapi_document(demo_app, demo_bearer, monkeypatch):
    # schemathesis sends each generated request again without the token and with a made-up one (both must be
    # refused): more refusals than the per-address limit allows, which would turn them into 429s mid-run
    # (the limit itself: tests/security/test_requests.py)
    monkeypatch.setitem(demo_app.config, "RATELIMIT_TOKEN_FAILURES", "1000 per minute")
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
