"""Tracking: the live overview of a survey (overall and per district) and the centres still to chase."""

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from analysis.rounding import percent, round_half_up
from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.downloads import table_download
from survey_service.form_choices import choice_labels, district_choices
from survey_service.formatting import chart_text, local_datetime
from survey_service.mail.schedule import next_reminder
from survey_service.paging import paginate
from survey_service.responses.queries import review_count
from survey_service.results.queries import valid_by_mode
from survey_service.surveys.forms import StateChangeForm
from survey_service.surveys.models import Survey
from survey_service.surveys.queries import survey_by_key, survey_districts
from survey_service.tracking.forms import NonRespondentFilterForm
from survey_service.tracking.queries import (NON_RESPONDENT_COLUMNS, Progress, non_respondent_query, non_respondents,
                                             stage_of, survey_progress)

blueprint = Blueprint("tracking", __name__)


@blueprint.route("/surveys/<key>")
@role_required(Role.viewer)
def overview(key: str):
    survey = survey_by_key(key)
    overall, by_district = survey_progress(survey.id)
    return render_template("console/overview.html", survey=survey, overall=overall, by_district=by_district,
                           by_mode=valid_by_mode(survey),
                           chart=_district_chart(overall, by_district), to_review=review_count(survey.id),
                           next_reminder=next_reminder(survey), form=StateChangeForm())


def _district_chart(overall: Progress, by_district: list[Progress]) -> dict:
    """A plotly bar chart of the return rate per district, with the overall rate as a dashed line."""
    rates = [round_half_up((row.valid_rate or 0) * 100) for row in by_district]
    return {
        "data": [{
            "type": "bar", "x": [chart_text(row.group) for row in by_district], "y": rates,
            "text": [percent(rate) for rate in rates], "textposition": "outside", "cliponaxis": False,
            "customdata": [[row.valid, row.issued, percent(rate)] for row, rate in zip(by_district, rates)],
            "hovertemplate": "%{x}<br>%{customdata[0]} / %{customdata[1]} = %{customdata[2]}<extra></extra>",
            "marker": {"color": "#1d4e89"}, "name": _("Return rate"),
        }],
        "layout": {
            "margin": {"l": 48, "r": 16, "t": 28, "b": 80}, "height": 360,
            "yaxis": {"title": {"text": _("Return rate (%)")}, "range": [0, 110], "ticksuffix": "%"},
            "xaxis": {"tickangle": -45, "automargin": True},
            "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                        "y0": round_half_up((overall.valid_rate or 0) * 100),
                        "y1": round_half_up((overall.valid_rate or 0) * 100),
                        "line": {"color": "#a4161a", "dash": "dash", "width": 1.5}}],
            "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif", "size": 12},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "showlegend": False,
        },
    }


def _non_respondent_filter(survey: Survey) -> NonRespondentFilterForm:
    districts = district_choices(survey_districts(survey.id))
    form = NonRespondentFilterForm(request.args)
    form.district.choices = districts
    if not form.validate():
        form = NonRespondentFilterForm(formdata=None)
        form.district.choices = districts
    return form


@blueprint.route("/surveys/<key>/non-respondents")
@role_required(Role.evaluator)
def non_respondent_list(key: str):
    survey = survey_by_key(key)
    form = _non_respondent_filter(survey)
    page = paginate(non_respondent_query(survey.id, form.district.data or None, form.stage.data or None),
                    request.args.get("page", 1, type=int))
    # the filters as given, for the download links: never the raw query, whose keys could clash with url_for's
    selection = {name: value for name, value in (("district", form.district.data), ("stage", form.stage.data))
                 if value}
    return render_template("console/non_respondents.html", survey=survey, form=form, page=page, stage_of=stage_of,
                           stage_labels=choice_labels(form.stage), selection=selection)


@blueprint.route("/surveys/<key>/non-respondents.<any(csv, xlsx):fmt>")
@role_required(Role.evaluator)
def non_respondent_export(key: str, fmt: str):
    survey = survey_by_key(key)
    form = _non_respondent_filter(survey)
    base_url = current_app.config["BASE_URL"]
    rows = [(row.code, row.name, row.district, row.contact_email or "", stage_of(row),
             local_datetime(row.sent_at) if row.sent_at else "",
             local_datetime(row.reminded_at) if row.reminded_at else "", f"{base_url}/s/{row.token}")
            for row in non_respondents(survey.id, form.district.data or None, form.stage.data or None)]
    return table_download(fmt, f"{survey.key}-non-respondents", NON_RESPONDENT_COLUMNS, rows,
                          audited_as="non_respondents.export", obj=survey)
