"""The one reader of uploaded YAML and JSON documents: anchors and aliases refused, size and depth capped, messages
clipped (analysis/documents.py)."""
import pytest

from analysis.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, MESSAGE_LIMIT, DocumentError, read_document
from analysis.questionnaire import DefinitionError, load_questionnaire
from tests.conftest import DATA, QUESTIONNAIRE


@pytest.mark.parametrize("document", [
    "title: &t 问卷\nkey: *t\n",  # one alias, harmless in size, refused all the same
    "base: &b {weight: 8}\nindicator:\n  <<: *b\n",  # merge keys need anchors
    "a: &self [*self]\n",  # a circular alias
])
def test_any_anchor_or_alias_is_refused_with_its_line(document):
    with pytest.raises(DocumentError, match=r"^q\.yaml: line \d+, column \d+: invalid YAML: anchors and aliases"):
        read_document(document, "q.yaml")


def test_nesting_deeper_than_the_cap_is_refused_in_yaml_and_json():
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(DocumentError, match="nested more than 40 levels deep"):
        read_document(deep, "q.yaml")
    with pytest.raises(DocumentError, match="nested more than 40 levels deep"):
        read_document(deep, "q.json")
    very_deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(DocumentError):
        read_document(very_deep[:MAX_DOCUMENT_BYTES], "q.json")
    assert read_document("[" * MAX_DEPTH + "]" * MAX_DEPTH, "q.yaml") is not None


def test_a_document_over_the_size_cap_is_refused_before_it_is_read():
    with pytest.raises(DocumentError, match=r"^q\.yaml: 524,289 bytes, more than the 512 KB accepted$"):
        read_document(b"#" * (MAX_DOCUMENT_BYTES + 1), "q.yaml")


def test_messages_quote_at_most_a_few_hundred_characters():
    huge = "title: " + "长" * 100_000 + "\nkey: 1\n"
    with pytest.raises(DefinitionError) as refused:
        load_questionnaire(huge.encode(), "q.yaml")
    assert refused.value.problems and all(len(problem) <= MESSAGE_LIMIT + 1 for problem in refused.value.problems)


def test_the_shared_questionnaire_and_scorecard_still_read():
    assert load_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name).key
    assert read_document((DATA / "scorecard-example.yaml").read_bytes(), "scorecard-example.yaml")["indicators"]


COMMON_SLIPS = [("a: b: c", "x.yaml"), ("a: [1, 2", "x.yaml"), ("key: [\n", "x.yaml"), ("a:\n  - 1\n b: 2", "x.yaml"),
                ('a: "x', "x.yaml"), ("a:\n\t- 1", "x.yaml"), ("a: &x 1\nb: *x", "x.yaml"), ('{"a": }', "x.json"),
                ("{a: 1}", "x.json"), ("[1 2]", "x.json"), ('"abc', "x.json")]


@pytest.mark.parametrize("text, filename", COMMON_SLIPS)
def test_the_commonest_syntax_errors_have_an_explanation_of_their_own(text, filename):
    """A page in another language says what broke in its own words: these common slips are each explained, not
    left to the catch-all."""
    from analysis.documents import SYNTAX_ELSEWHERE, syntax_explanation

    with pytest.raises(DocumentError) as raised:
        read_document(text, filename)
    assert raised.value.code in ("invalid_yaml", "invalid_json")
    assert syntax_explanation(raised.value.params["reason"])[0] != SYNTAX_ELSEWHERE
