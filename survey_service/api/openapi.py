"""The OpenAPI 3.1 description of the API (served at /api/v1/openapi.json and checked by schemathesis)."""
from __future__ import annotations

from survey_service.roster.parsing import DEFAULT_GROUPING, GROUPING_COLUMNS

NUMBER_OR_NULL = {"type": ["number", "null"]}
TEXT = {"type": "string", "pattern": "^[^\\x00]*$"}  # the service refuses NUL characters anywhere (400)
INTERVAL = {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
ERROR = {"type": "object", "required": ["error", "status"],
         "properties": {"error": {"type": "string"}, "status": {"type": "integer"},
                        "problems": {"type": "array", "items": {"type": "string"}}}}

ITEM = {"type": "object", "required": ["key", "text", "weight", "index", "ci95", "n", "top2_share", "distribution"],
        "properties": {"key": {"type": "string"}, "text": {"type": "string"}, "weight": {"type": "number"},
                       "index": NUMBER_OR_NULL, "ci95": INTERVAL, "n": {"type": "integer"},
                       "top2_share": NUMBER_OR_NULL,
                       "distribution": {"type": "object", "additionalProperties": {"type": "integer"}}}}
DIMENSION = {"type": "object",
             "required": ["key", "title", "weight", "index", "ci95", "n", "delta_pp", "top2_share", "items"],
             "properties": {"key": {"type": "string"}, "title": {"type": "string"}, "weight": {"type": "number"},
                            "index": NUMBER_OR_NULL, "ci95": INTERVAL, "n": {"type": "integer"},
                            "delta_pp": NUMBER_OR_NULL, "top2_share": NUMBER_OR_NULL,
                            "items": {"type": "array", "items": ITEM}}}
SATISFACTION = {
    "type": "object",
    "description": "docs/satisfaction-json.md; keys may be added, never renamed or removed.",
    "required": ["schema", "survey", "generated_at", "snapshot", "scoring", "counts", "ci_method", "overall",
                 "dimensions", "nonresponse_bounds", "highest", "lowest", "reliability"],
    "properties": {
        "schema": {"const": "satisfaction/v1"},
        "survey": {"type": "object", "required": ["key", "title", "year", "questionnaire_version", "status"],
                   "properties": {"key": {"type": "string"}, "title": {"type": "string"},
                                  "year": {"type": ["integer", "null"]},
                                  "questionnaire_version": {"type": "integer"},
                                  "status": {"enum": ["draft", "open", "closed", "offline"]}}},
        "generated_at": {"type": "string", "format": "date-time"},
        "snapshot": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        "scoring": {"type": "object", "required": ["scheme", "points"],
                    "properties": {"scheme": {"enum": ["linear", "points", "top_box"]},
                                   "points": {"type": "object", "additionalProperties": {"type": "number"}}}},
        "counts": {"type": "object",
                   "required": ["issued", "submitted", "valid", "invalid", "return_rate", "valid_rate"],
                   "properties": {"issued": {"type": ["integer", "null"]}, "submitted": {"type": "integer"},
                                  "valid": {"type": "integer"}, "invalid": {"type": "integer"},
                                  "return_rate": NUMBER_OR_NULL, "valid_rate": NUMBER_OR_NULL,
                                  "by_mode": {"type": "object", "description": "valid responses by how they were "
                                              "collected: online, paper, phone, import",
                                              "additionalProperties": {"type": "integer"}}}},
        "ci_method": {"type": "string"},
        "overall": {"type": "object", "required": ["index", "ci95", "n"],
                    "properties": {"index": NUMBER_OR_NULL, "ci95": INTERVAL, "n": {"type": "integer"}}},
        "dimensions": {"type": "array", "items": DIMENSION},
        "nonresponse_bounds": {"type": ["object", "null"]},
        "highest": {"type": ["object", "null"]},
        "lowest": {"type": ["object", "null"]},
        "reliability": {"type": ["object", "null"]},
        "groups": {"type": ["object", "null"]},
        "indicator": {"type": ["object", "null"]},
        "choices": {"type": "array", "description": "present when the questionnaire has choice questions",
                    "items": {"type": "object", "required": ["key", "text", "kind", "n", "options", "other"],
                              "properties": {"key": {"type": "string"}, "text": {"type": "string"},
                                             "kind": {"enum": ["single", "multiple"]}, "n": {"type": "integer"},
                                             "options": {"type": "array", "items": {
                                                 "type": "object", "required": ["value", "label", "count", "share"],
                                                 "properties": {"value": {"type": "integer"},
                                                                "label": {"type": "string"},
                                                                "count": {"type": "integer"},
                                                                "share": NUMBER_OR_NULL}}},
                                             "other": {"type": "array", "items": {"type": "string"}}}}},
    },
}


def openapi_document() -> dict:
    errors = {
        "400": {"description": "A NUL character in the request", "content": {"application/json": {"schema": ERROR}}},
        "401": {"description": "No valid API token", "content": {"application/json": {"schema": ERROR}}},
        "429": {"description": "Too many refused tokens from this address; try again later",
                "content": {"application/json": {"schema": ERROR}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "survey-service API", "version": "1",
                 "description": "Satisfaction figures of surveys, for the scoring report. Authenticate with a "
                                "per-user API token from the console: `Authorization: Bearer <token>`."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Satisfaction": SATISFACTION, "Error": ERROR},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/surveys": {"get": {
                "operationId": "listSurveys", "summary": "Surveys and their state",
                "responses": {"200": {"description": "The surveys", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["surveys"],
                    "properties": {"surveys": {"type": "array", "items": {"type": "object"}}}}}}}, **errors}}},
            "/api/v1/surveys/{key}/satisfaction": {"get": {
                "operationId": "getSatisfaction", "summary": "The satisfaction document of a survey",
                "parameters": [
                    {"name": "key", "in": "path", "required": True, "schema": TEXT},
                    {"name": "group_by", "in": "query", "required": False,
                     "description": f"Roster column to compare groups by (default: {DEFAULT_GROUPING}; "
                                    f"{', '.join(GROUPING_COLUMNS)} or any extra roster column; empty: no groups).",
                     "schema": TEXT},
                    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "The document", "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Satisfaction"}}}},
                    "304": {"description": "Unchanged since the ETag given in If-None-Match"},
                    "404": {"description": "No such survey", "content": {"application/json": {"schema": ERROR}}},
                    "422": {"description": "Unknown grouping column",
                            "content": {"application/json": {"schema": ERROR}}},
                    **errors}}},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}}},
        },
    }
