"""The builder driven as a browser would: read the page's fields, change some, press a button."""
from __future__ import annotations

import pytest
import yaml

from tests.conftest import QUESTIONNAIRE
from tests.questionnaires.form_fields import form_fields


class Builder:
    """One draft in the builder; ``press`` posts every field of the page as it stands, with changes."""

    def __init__(self, client, url: str):
        self.client = client
        self.url = url

    def fields(self) -> dict[str, str]:
        return form_fields(self.client.get(self.url).get_data(as_text=True), "builder")

    def press(self, action: str, changes: dict | None = None, unticked: tuple = ()):
        data = {**self.fields(), **(changes or {}), "action": action}
        for name in unticked:
            data.pop(name, None)
        return self.client.post(self.url, data=data)


@pytest.fixture
def evaluator(login):
    return login("evaluator")


@pytest.fixture
def start_builder(client, evaluator):
    """Open a new draft (blank unless told) and return its :class:`Builder`."""
    def start(**form) -> Builder:
        from tests.conftest import post_form

        response = post_form(client, "/questionnaires/new", {"start": "blank", **form})
        assert response.status_code == 302, response.get_data(as_text=True)
        return Builder(client, response.headers["Location"])

    return start


@pytest.fixture
def seed_definition():
    return yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))


def seed_fields(seed: dict) -> dict[str, str]:
    """The builder's fields holding the seed questionnaire (6 dimensions × 2 items, 5-point scale with 不了解,
    linear scheme, one open question, C4-1 weight 8), as an evaluator types them."""
    fields = {"key": seed["key"], "year": str(seed["year"]), "title": seed["title"], "title_en": seed["title_en"],
              "intro": seed["intro"], "intro_en": seed["intro_en"], "scoring-scheme": "linear",
              "scale-not_applicable-enabled": "y", "scale-not_applicable-value": "0",
              "scale-not_applicable-label": "不了解", "scale-not_applicable-label_en": "Don't know",
              "validity-min_answered_share": "0.8", "validity-flag_straight_lining": "y",
              "indicator-code": "C4-1", "indicator-name": "基层党建中心满意度", "indicator-weight": "8"}
    for n, option in enumerate(seed["scale"]["options"]):
        fields |= {f"scale-options-{n}-value": str(option["value"]), f"scale-options-{n}-label": option["label"],
                   f"scale-options-{n}-label_en": option["label_en"]}
    for d, dimension in enumerate(seed["dimensions"]):
        fields |= {f"dimensions-{d}-key": dimension["key"], f"dimensions-{d}-title": dimension["title"],
                   f"dimensions-{d}-title_en": dimension["title_en"], f"dimensions-{d}-weight": "1"}
        for i, item in enumerate(dimension["items"]):
            prefix = f"dimensions-{d}-items-{i}"
            fields |= {f"{prefix}-key": item["key"], f"{prefix}-text": item["text"],
                       f"{prefix}-text_en": item["text_en"], f"{prefix}-weight": "1", f"{prefix}-required": "y"}
    question = seed["open_questions"][0]
    fields |= {"open_questions-0-key": question["key"], "open_questions-0-text": question["text"],
               "open_questions-0-text_en": question["text_en"], "open_questions-0-max_length": "2000"}
    return fields
