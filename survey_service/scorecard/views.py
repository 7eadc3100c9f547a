from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.results.documents import document_of_survey
from survey_service.audit.operations import record
from survey_service.scorecard.exports import scorecard_docx, scorecard_xlsx
from survey_service.scorecard.forms import ScorecardUploadForm
from survey_service.scorecard.models import StoredScorecard
from survey_service.scorecard.operations import score_stored, store_scorecard

blueprint = Blueprint("scorecards", __name__, url_prefix="/scorecards")


@blueprint.route("/", methods=["GET", "POST"])
@role_required(Role.viewer)
def index():
    form = ScorecardUploadForm()
    problems: list[str] = []
    if form.is_submitted():
        if not current_user.has_role(Role.evaluator):
            abort(403)
        if form.validate():
            upload = form.file.data
            try:
                stored = store_scorecard(upload.read(), upload.filename or "scorecard.yaml", user=current_user)
            except ProblemList as exc:
                problems = exc.problems
            else:
                flash(_("Scorecard imported."), "success")
                return redirect(url_for(".show", scorecard_id=stored.id))
    scorecards = db.session.scalars(select(StoredScorecard).order_by(StoredScorecard.created_at.desc())).all()
    return render_template("scorecard/index.html", form=form, scorecards=scorecards, problems=problems), \
        422 if problems else 200


@blueprint.route("/<int:scorecard_id>")
@role_required(Role.viewer)
def show(scorecard_id: int):
    stored = db.get_or_404(StoredScorecard, scorecard_id)
    try:
        result, problems = score_stored(stored, document_of_survey), []
    except ProblemList as exc:
        result, problems = None, exc.problems
    return render_template("scorecard/show.html", stored=stored, result=result, problems=problems)


#: download formats of a scored tree: (media type, how it is written)
DOWNLOADS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda stored, result: scorecard_docx(stored.title, result, str(get_locale()))),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda stored, result: scorecard_xlsx(result)),
}


@blueprint.route("/<int:scorecard_id>/scorecard.<any(docx, xlsx):file_format>")
@role_required(Role.viewer)
def download(scorecard_id: int, file_format: str):
    """The scoring tables (综合评分表) as Word or Excel, scored now; back to the page when they cannot be."""
    stored = db.get_or_404(StoredScorecard, scorecard_id)
    try:
        result = score_stored(stored, document_of_survey)
    except ProblemList:
        flash(_("No total can be given until these problems are corrected:"), "error")
        return redirect(url_for(".show", scorecard_id=stored.id))
    mimetype, write = DOWNLOADS[file_format]
    record("scorecard.export", stored, format=file_format)
    response = Response(write(stored, result), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="scorecard-{stored.id}.{file_format}"'
    return response
