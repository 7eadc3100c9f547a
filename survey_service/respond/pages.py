"""The two pages every centre sees — its blank questionnaire and its receipt — kept once rendered.

For one survey in one language these pages differ between centres only in a few values: the link's token, the
CSRF token, the centre's district and name, and on the receipt its reference number and time. Such a page is
rendered once per process with markers (holes) where those values go, split at the markers into a shell, and
every later request only fills the shell's holes with its own values, escaped as the template would escape them.
What else shapes the page (the language, the survey's title and closing time, the questionnaire version, whether
corrections are open) is part of the key the shell is kept under, so a change to any of it renders a new shell.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Hashable, Mapping

from markupsafe import escape

#: a hole's marker is its name between two copies of this: letters and digits only, so templates, filters and
#: url_for leave it as it is, and random per process, so no survey's, questionnaire's or centre's text can hold one
_FENCE = f"hole{secrets.token_hex(12)}"
_HOLES = re.compile(f"{_FENCE}([a-z_]+){_FENCE}")

#: the kept shells by key; the oldest goes first once there are more than SHELLS_KEPT
_SHELLS: dict[Hashable, tuple[str, ...]] = {}
SHELLS_KEPT = 256
_KEEPING = threading.Lock()


def hole(name: str) -> str:
    """The marker of the value ``name`` in a page rendered for its shell."""
    return f"{_FENCE}{name}{_FENCE}"


class UnitHoles:
    """Stands for the centre's unit in a shell: ``localized(unit, "district")`` gives the district hole in either
    language, since the filled value is the localized district."""

    name = hole("unit_name")
    district = district_en = hole("district")


class InvitationHoles:
    """Stands for the centre's invitation in a shell: only its token is read."""

    token = hole("token")


class ResponseHoles:
    """Stands for the centre's response on the receipt's shell."""

    reference = hole("reference")


def page(key: Hashable, values: Mapping[str, str], *, render: Callable[[], str]) -> str:
    """The page kept under ``key``, built by ``render`` (the template with the stand-ins above) the first time,
    with ``values`` (plain text, escaped here; the token is URL-safe) in its holes."""
    shell = _SHELLS.get(key)
    if shell is None:
        shell = _split(render(), values)
        with _KEEPING:
            if len(_SHELLS) >= SHELLS_KEPT:
                del _SHELLS[next(iter(_SHELLS))]
            _SHELLS[key] = shell
    return _fill(shell, values)


def filled(key: Hashable, values: Mapping[str, str]) -> str | None:
    """The page kept under ``key`` with ``values`` in its holes; None if this process keeps no such page, or the
    values do not fill its holes."""
    shell = _SHELLS.get(key)
    if shell is None or not set(shell[1::2]) <= set(values):
        return None
    return _fill(shell, values)


def _fill(shell: tuple[str, ...], values: Mapping[str, str]) -> str:
    parts = list(shell)
    parts[1::2] = [escape(values[name]) for name in shell[1::2]]
    return "".join(parts)


def _split(html: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """Literal parts and hole names, alternating (``re.split`` with one group): part, name, part, … , part."""
    pieces = tuple(_HOLES.split(html))
    unknown = set(pieces[1::2]) - set(values)
    if unknown or any(_FENCE in part for part in pieces[::2]):
        raise ValueError(f"the page has holes it was given no value for: {sorted(unknown) or 'a broken marker'}")
    return pieces
