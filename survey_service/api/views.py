from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_service.api.auth import api_error, token_required
from survey_service.api.openapi import openapi_document
from survey_service.extensions import csrf, db, limiter
from survey_service.problems import ProblemList
from survey_service.auth.models import Role
from survey_service.results.documents import cached_etag, confidential, document_key, survey_document_json
from survey_service.roster.parsing import DEFAULT_GROUPING
from survey_service.surveys.models import Survey

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no cookies and no forms: a bearer token authenticates every request
limiter.limit(lambda: current_app.config["RATELIMIT_API"])(blueprint)


@blueprint.route("/openapi.json")
def openapi():
    return openapi_document()


@blueprint.route("/surveys")
@token_required
def surveys():
    listing = db.session.scalars(select(Survey).order_by(Survey.created_at.desc())).all()
    return {"surveys": [{"key": s.key, "title": s.title, "status": s.status,
                         "year": s.questionnaire_version.year,
                         "questionnaire": {"key": s.questionnaire_version.key,
                                           "version": s.questionnaire_version.version},
                         "satisfaction_url": url_for(".satisfaction", key=s.key)} for s in listing]}


@blueprint.route("/surveys/<key>/satisfaction")
@token_required
def satisfaction(key: str):
    # the questionnaire comes along: the grouping check reads its single-choice questions, even for a 304
    survey = db.session.scalar(select(Survey).filter_by(key=key).options(joinedload(Survey.questionnaire_version)))
    if survey is None:
        return api_error(404, f"no survey {key!r}")
    group_by = request.args.get("group_by", DEFAULT_GROUPING) or None
    try:
        cache_key = document_key(survey, group_by)
    except ProblemList as exc:
        return api_error(422, "bad request", problems=exc.problems)
    # a viewer's token reads small groups suppressed (docs/satisfaction-json.md): another body, so another ETag
    confidential_copy = not g.api_user.has_role(Role.evaluator)
    suffix = "-confidential" if confidential_copy else ""
    # when nothing changed since the client's copy, the cached ETag answers and the document is not even read
    etag = cached_etag(cache_key)
    text = None
    if etag is None or etag + suffix not in request.if_none_match:
        etag, text = survey_document_json(survey, group_by, cache_key)
    etag += suffix
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        if confidential_copy:
            text = json.dumps(confidential(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
        response = Response(text, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response

