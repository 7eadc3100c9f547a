"""Reading the YAML (or JSON) documents people upload — questionnaires and scorecards — without letting a file
grow in memory beyond its size, and messages about them that stay short.

YAML's anchors and aliases (``&a`` / ``*a``) let a few hundred bytes stand for gigabytes once the document is
echoed, serialised or printed (the "billion laughs"); neither format needs them, so they are refused outright,
with the file's size and nesting depth capped before anything is built. Python's JSON parser expands nothing.
"""
from __future__ import annotations

import json
import math
from typing import Any

import yaml

#: the largest integer a document may hold: what a database's integer column takes (a version, a year, a limit)
MAX_INTEGER = 2**31 - 1
#: the largest document accepted; the shared questionnaire is about 6 KB
MAX_DOCUMENT_BYTES = 512 * 1024
#: the deepest nesting accepted (a questionnaire needs six levels, a scorecard about twelve)
MAX_DEPTH = 40
#: the longest message about a document: a quoted value is cut, the path before it stays
MESSAGE_LIMIT = 400


def N_(message: str) -> str:
    """Marks a message for the translation catalogues; pages translate it where they show it."""
    return message


#: why a document cannot be read, by :attr:`DocumentError.code`; ``%(name)s`` placeholders take its params. The
#: questionnaire's and the scorecard's messages begin with these.
DOCUMENT_MESSAGES = {
    "not_utf8": N_("not UTF-8 text (byte %(byte)s)"),
    "invalid_json": N_("line %(line)s: invalid JSON: %(reason)s"),
    "invalid_yaml": N_("line %(line)s: invalid YAML: %(reason)s"),
    "invalid_yaml_file": N_("file: invalid YAML: %(reason)s"),
    "unreadable": N_("%(reason)s"),
    "too_large": N_("%(size)s bytes, more than the %(limit)s KB accepted"),
    "too_deep": N_("nested more than %(limit)s levels deep"),
}
#: the problems whose ``reason`` is the reader's own English (a parser's, or a refusal of this module's)
READER_PROBLEMS = frozenset({"invalid_yaml", "invalid_yaml_file", "invalid_json", "unreadable"})
#: this reader's refusal of YAML's anchors and aliases
ALIASES_REFUSED = N_("anchors and aliases (&name, *name) are not accepted; write the values out")
#: the commonest ways a YAML or JSON file breaks, by the start of what its reader says (a ``reason`` of
#: :data:`READER_PROBLEMS`, in English), with what a page says in its language and the values that takes
SYNTAX_EXPLANATIONS = (
    ("mapping values are not allowed here",
     N_("a \"key: value\" cannot stand here (a colon in a value that is not in quotes, or the indentation)"), {}),
    ("could not find expected ':'", N_("a colon (:) is missing"), {}),
    ("found unexpected end of stream", N_("the file ends too early (a quote or bracket left open)"), {}),
    ("sequence entries are not allowed here", N_("a list item (-) cannot stand here"), {}),
    ("expected <block end>", N_("the indentation does not line up"), {}),
    ("did not find expected", N_("the indentation does not line up, or a quote or bracket is left open"), {}),
    ("found character", N_("a character that cannot start a value here (a tab, perhaps: indent with spaces)"), {}),
    ("found unknown escape character", N_("an unknown escape (\\) in a quoted text"), {}),
    ("expected ',' or", N_("a comma is missing, or a bracket ([ or {) is not closed"), {}),
    ("expected the node content", N_("a value is missing, or a bracket ([ or {) is not closed"), {}),
    (ALIASES_REFUSED, ALIASES_REFUSED, {}),
    ("the integer", N_("a whole number larger than %(limit)s, the largest accepted"), {"limit": f"{MAX_INTEGER:,}"}),
    ("nested more than", N_("nested deeper than the levels accepted"), {}),
    ("Expecting value", N_("a value is missing"), {}),
    ("Expecting ',' delimiter", N_("a comma (,) is missing"), {}),
    ("Expecting ':' delimiter", N_("a colon (:) is missing"), {}),
    ("Expecting property name enclosed in double quotes", N_("a key must be in double quotes"), {}),
    ("Unterminated string", N_("a quote is not closed"), {}),
    ("Extra data", N_("there is more after the end of the document"), {}),
)
#: what a page says of any other syntax error
SYNTAX_ELSEWHERE = N_("the text there does not follow the format's rules")


def syntax_explanation(reason: str) -> tuple[str, dict]:
    """The message (to translate) and its values for what a YAML or JSON reader said (``reason``, its English)."""
    return next(((message, params) for start, message, params in SYNTAX_EXPLANATIONS if reason.startswith(start)),
                (SYNTAX_ELSEWHERE, {}))


class DocumentError(ValueError):
    """A document that cannot be read at all; ``problem`` says why and where, in one line.

    ``code`` and ``params``, where given, name the kind of problem for a reader that words it in another language
    (:data:`DOCUMENT_MESSAGES`).
    """

    def __init__(self, problem: str, code: str | None = None, **params):
        super().__init__(problem)
        self.problem = problem
        self.code = code
        self.params = params

    @classmethod
    def of(cls, filename: str, code: str, **params) -> DocumentError:
        """The problem ``code`` of :data:`DOCUMENT_MESSAGES` with its values, in English after the file's name."""
        return cls(f"{filename}: {DOCUMENT_MESSAGES[code] % params}", code, **params)


def read_document(text: str | bytes, filename: str) -> Any:
    """The plain data (dicts, lists, text, numbers) of a YAML or JSON file (by its name's ending).

    :raises DocumentError: not UTF-8, too large, not YAML/JSON, an anchor or alias, or nested too deep.
    """
    size = len(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentError.of(filename, "too_large", size=f"{size:,}", limit=MAX_DOCUMENT_BYTES // 1024)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError.of(filename, "not_utf8", byte=exc.start) from None
    text = text.lstrip("\ufeff")
    if filename.lower().endswith(".json"):
        return _read_json(text, filename)
    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 (a SafeLoader that also refuses aliases)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        reason = getattr(exc, "problem", None) or str(exc)
        code, params = ("invalid_yaml", {"line": mark.line + 1}) if mark else ("invalid_yaml_file", {})
        raise DocumentError(clip(f"{filename}: {where}: invalid YAML: {reason}"), code,
                            reason=clip(str(reason)), **params) from None


def _read_json(text: str, filename: str) -> Any:
    try:
        data = json.loads(text, parse_int=_bounded_integer)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise DocumentError(f"{filename}: {exc}") from None
        raise DocumentError.of(filename, "invalid_json", line=exc.lineno, reason=exc.msg) from None
    except RecursionError:
        raise DocumentError.of(filename, "too_deep", limit=MAX_DEPTH) from None
    if _depth(data) > MAX_DEPTH:
        raise DocumentError.of(filename, "too_deep", limit=MAX_DEPTH)
    return data


def _depth(data: Any) -> int:
    deepest, level, pending = 0, 0, [(data, 1)]
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        pending.extend((child, level + 1) for child in children)
    return deepest


def _bounded_integer(text: str) -> int:
    if len(text.lstrip("-")) > 10 or abs(int(text)) > MAX_INTEGER:
        raise ValueError(f"the integer {text[:20]}{'…' if len(text) > 20 else ''} is larger than "
                         f"{MAX_INTEGER:,}, the largest accepted")
    return int(text)


class _PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases and nesting deeper than :data:`MAX_DEPTH`."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, ALIASES_REFUSED, event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, DOCUMENT_MESSAGES["too_deep"] % {"limit": MAX_DEPTH},
                                              event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_bounded_integer(loader: _PlainLoader, node: yaml.ScalarNode) -> int:
    number = yaml.SafeLoader.construct_yaml_int(loader, node)
    if abs(number) > MAX_INTEGER:
        raise yaml.constructor.ConstructorError(
            None, None, f"the integer {node.value[:20]} is larger than {MAX_INTEGER:,}, the largest accepted",
            node.start_mark)
    return number


_PlainLoader.add_constructor("tag:yaml.org,2002:int", _construct_bounded_integer)


def plain_copy(data: Any) -> Any:
    """A JSON-safe deep copy of a document's data, as it is stored: YAML may give dates, integer keys or ``.nan``,
    which PostgreSQL's JSON would refuse; they become text (and fail validation as any other wrong value)."""
    if isinstance(data, dict):
        return {str(key): plain_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain_copy(value) for value in data]
    if data is None or isinstance(data, (str, int)) or (isinstance(data, float) and math.isfinite(data)):
        return data
    return str(data)


def clip(message: str) -> str:
    """A message cut to :data:`MESSAGE_LIMIT` characters, so no input makes an error page or log line huge."""
    return message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + "…"
