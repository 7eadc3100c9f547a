"""Whatever reaches the builder — any text in any field, any button value, any upload — never gives a server error."""
from __future__ import annotations

import io

from hypothesis import given, strategies as st

from tests.conftest import post_form
from tests.security.test_fuzz import FILENAMES, FILES, FUZZ, TEXT, check

FIELDS = ["key", "year", "title", "scale-options-0-value", "scale-options-1-points", "scoring-scheme", "scoring-top",
          "dimensions-0-weight", "dimensions-0-items-0-key", "dimensions-0-items-0-weight", "dimensions-3-items-7-text",
          "choice_questions-0-kind", "choice_questions-0-options-0-value", "open_questions-0-max_length",
          "validity-min_answered_share", "indicator-weight", "scale-not_applicable-value"]
ACTIONS = st.one_of(st.sampled_from(["apply", "check", "save", "undo", "preview", "add:dimensions",
                                     "add:dimensions[0].items", "remove:dimensions[0]", "up:dimensions[0].items[0]",
                                     "down:scale.options[4]", "add:choice_questions", "add:choice_questions[0].options",
                                     "remove:dimensions[99].items[0]", "add:validity"]), TEXT)


def test_builder_posts_never_fail(app, client, start_builder):
    builder = start_builder()
    start = builder.fields()

    @FUZZ
    @given(values=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6), action=ACTIONS)
    def edit(values, action):
        check(client.post(builder.url, data={**start, **values, "action": action}))
        check(client.get(builder.url))
        check(client.get(builder.url + "/preview/form"))

    edit()


def test_uploads_to_the_builder_never_fail(app, client, evaluator):
    @FUZZ
    @given(data=FILES, filename=FILENAMES)
    def upload(data, filename):
        check(post_form(client, "/questionnaires/new", {"start": "upload", "file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data"))

    upload()
