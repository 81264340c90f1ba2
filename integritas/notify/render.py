"""Templates to messages: one template per mail and form, ``notify/<kind>.txt`` (first line the
subject, then a blank line, then the body) and ``notify/<kind>.html`` (simple HTML extending
``notify/base.html``), worded with ``{% translate %}`` / ``{% blocktranslate %}`` and rendered in the
recipient's language.

The templates live in this app's folder and render with engines of their own, so plain text is never
HTML-escaped (autoescape off: a summary with ``<script>`` reads as typed) and the HTML always is,
whatever the project's TEMPLATES setting says.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import pgettext_lazy

from integritas import timefmt
from integritas.cases.models import Status
from integritas.orgs.models import DEFAULT_TIMEZONE

LANGUAGES = ("id", "en")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# A stage as a mail names it in a sentence ("the deadline of the examination of report …").
STAGE_WORDS: dict[str, Promise] = {
    Status.TRIAGE: pgettext_lazy("stage in a sentence", "triage by the team"),
    Status.EXAMINATION: pgettext_lazy("stage in a sentence", "examination"),
    Status.REVIEW: pgettext_lazy("stage in a sentence", "review"),
    Status.FOLLOW_UP: pgettext_lazy("stage in a sentence", "follow-up"),
    Status.CLOSED: pgettext_lazy("stage in a sentence", "closed"),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def language_of(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else "id"


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """``translation.override(language)``, or nothing when ``language`` is already the one in use
    (the same translations either way): a sweep writes thousands of lines, mostly in one language."""
    if translation.get_language() == language:
        yield
        return
    with translation.override(language):
        yield


def format_local(when: dt.datetime | None, tz_name: str) -> str:
    """A due instant as people read it, in the active language: in the unit's zone, with its name."""
    if when is None:
        return ""
    return _spoken(when, tz_name, translation.get_language())


@lru_cache(maxsize=2048)
def _spoken(when: dt.datetime, tz_name: str, language: str | None) -> str:
    # Kept per (instant, zone, language): the cases of a sweep share a few due instants, and each
    # instant is written in two languages, for several recipients.
    return timefmt.spoken(when, ZoneInfo(tz_name))


def format_date(day: dt.date) -> str:
    return timefmt.day_long(day)


def in_language(value: Any, zone: str = DEFAULT_TIMEZONE) -> Any:
    """A context value as the reader reads it, called under the reader's language: an instant in the
    unit's zone, a day spoken, lazy words and deferred titles resolved; anything else as it is."""
    if isinstance(value, dt.datetime):
        return format_local(value, zone)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Promise):
        return str(value)
    if callable(value):
        return value()
    return value


def stage_label(status: str) -> str:
    return str(STAGE_WORDS.get(status, status))


def public_url(path: str) -> str:
    return str(settings.INTEGRITAS.get("PUBLIC_URL", "")).rstrip("/") + path


def case_path(reference: str) -> str:
    return f"/kasus/{reference}/"


TRACK_PATH = "/pantau/"
LIBRARIES = {"i18n": "django.templatetags.i18n"}


@lru_cache(maxsize=1)
def _engines() -> tuple[Engine, Engine]:
    text = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False, libraries=LIBRARIES)
    html = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=True, libraries=LIBRARIES)
    return text, html


def _text(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """The plain-text template rendered: (subject, raw body). Under ``language``, already overridden."""
    # Plain text is never escaped: what people wrote reads as they wrote it.
    raw = _engines()[0].get_template(f"notify/{kind}.txt").render(Context(context, autoescape=False))
    subject, _, body = raw.lstrip("\n").partition("\n")
    return " ".join(subject.split())[:255], body


def render(kind: str, language: str, context: dict[str, Any]) -> Rendered:
    language = language_of(language)
    ctx = {**context, "language": language}
    with translation.override(language):
        subject, body = _text(kind, language, ctx)
        html = (
            _engines()[1]
            .get_template(f"notify/{kind}.html")
            .render(Context({**ctx, "subject": subject}, autoescape=True))
        )
    return Rendered(subject=subject, text=_tidy(body), html=html.strip() + "\n")


@cache
def _first_line(kind: str) -> Template | None:
    """The first line of the plain-text template on its own, when it is a whole template (its tags
    closed on that line): it renders exactly the start of what the whole template renders."""
    source = _engines()[0].get_template(f"notify/{kind}.txt").source
    line, newline, _ = source.partition("\n")
    if not newline:
        return None
    try:
        return _engines()[0].from_string(line)
    except TemplateSyntaxError:
        return None


@cache
def _first_line_names(kind: str) -> frozenset[str] | None:
    """Every name the template's first line could read (each word of its source): a context value
    under any other name cannot change the subject. None when the line reads other templates."""
    if _first_line(kind) is None:
        return None
    line = _engines()[0].get_template(f"notify/{kind}.txt").source.partition("\n")[0]
    words = frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line))
    return None if words & {"include", "extends", "ssi", "debug"} else words


def subject_may_read_name(kind: str) -> bool:
    """False when the subject of ``kind`` cannot depend on ``recipient_name`` (its first line does not
    read it): ``subject_for`` then gives every recipient of the same context the same subject."""
    names = _first_line_names(kind)
    return names is None or "recipient_name" in names


def render_subject(kind: str, language: str, context: dict[str, Any]) -> str:
    """``render(...).subject`` alone (an in-app notice's text): the template's first line when it
    yields the subject's line by itself, else the whole plain-text template."""
    language = language_of(language)
    ctx = {**context, "language": language}
    with speaking(language):
        first = _first_line_subject(kind, ctx)
        return first if first is not None else _text(kind, language, ctx)[0]


def _first_line_subject(kind: str, ctx: dict[str, Any], cut: int | None = 255) -> str | None:
    """The subject from the template's first line alone (under the language already active), or None
    when the whole template must be rendered for it. ``cut``: its length at most (None: uncut)."""
    first = _first_line(kind)
    if first is not None:
        start = first.render(Context(ctx, autoescape=False)).lstrip("\n")
        if start:  # the whole rendering starts with it: its first line is the subject
            return " ".join(start.partition("\n")[0].split())[:cut]
    return None


class NotPlain(ValueError):
    pass


def plain(value: Any) -> Any:
    """``value`` as JSON keeps it (for rendering later, at delivery), or ``NotPlain``: only strings,
    whole numbers, booleans, None, lists and dicts with string keys; a text choice (a case's status,
    an event's kind) becomes its value, which a template shows and compares the same."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, enum.Enum) and isinstance(value, str):
        return str(value.value)
    if type(value) is list:
        return [plain(v) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        # A scalar is kept here, without a call for it (a context is mostly scalars).
        return {k: v if v is None or type(v) in _SCALARS else plain(v) for k, v in value.items()}
    raise NotPlain(type(value).__name__)


_SCALARS = frozenset({str, int, bool})


def plain_or_none(context: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return plain(context)
    except NotPlain:
        return None


NAME_MARK = "\ue000"  # stands for the recipient's name in a rendering shared by several recipients


def render_for(
    kind: str, language: str, context: dict[str, Any], name: str, shared: dict[Any, Rendered]
) -> Rendered:
    """``render`` with ``recipient_name`` = ``name``. Recipients of one message (a team) share one
    rendering, kept in ``shared``, with their name put in its place (escaped in the HTML, as the
    template would); a name that spacing or tidying could change is rendered on its own."""
    if " ".join(name.split()) != name or NAME_MARK in name:
        return render(kind, language, {**context, "recipient_name": name})
    key = (kind, language_of(language), repr(sorted(context.items())))
    if key not in shared:
        shared[key] = render(kind, language, {**context, "recipient_name": NAME_MARK})
    one = shared[key]
    if NAME_MARK in one.subject:  # a subject is cut to length after rendering
        return render(kind, language, {**context, "recipient_name": name})
    return Rendered(
        subject=one.subject,
        text=one.text.replace(NAME_MARK, name),
        html=one.html.replace(NAME_MARK, escape(name)),
    )


def subject_for(kind: str, language: str, context: dict[str, Any], name: str, shared: dict[Any, str]) -> str:
    """``render_for(...).subject`` alone: recipients of one message share one rendering of the
    subject, when the values its line reads are the same (a role or a name it does not show)."""
    names = _first_line_names(kind)
    if names is not None:
        full = {**context, "recipient_name": name}
        reference = full.get("reference")
        if type(reference) is str and _REFERENCE.fullmatch(reference) and _shows_reference_as_is(kind):
            return _subject_of_any_case(kind, language, full, names, reference)
        read = repr(sorted((k, v) for k, v in full.items() if k in names))
        key: tuple[str, ...] = ("subject", kind, language_of(language), read)
        if key not in shared:
            shared[key] = render_subject(kind, language, full)
        return shared[key]
    if " ".join(name.split()) != name or NAME_MARK in name:
        return render_subject(kind, language, {**context, "recipient_name": name})
    key = (kind, language_of(language), repr(sorted(context.items())))
    if key not in shared:
        shared[key] = render_subject(kind, language, {**context, "recipient_name": NAME_MARK})
    if NAME_MARK in shared[key]:
        return render_subject(kind, language, {**context, "recipient_name": name})
    return shared[key]


REFERENCE_MARK = "\ue001"  # stands for a case's reference in a subject shared by the cases of a batch
# A reference that spacing, escaping or a line break cannot change (ours: ``BK-2026-000001``).
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
_CASE_SUBJECTS: dict[tuple[str, str, str], str] = {}  # (kind, language, values but the reference)


@cache
def _shows_reference_as_is(kind: str) -> bool:
    """Whether the template's first line reads ``reference`` only to show it (``{{ reference }}``,
    no filter, no test): then it renders the same with any reference in its place."""
    line = _engines()[0].get_template(f"notify/{kind}.txt").source.partition("\n")[0]
    return line.count("reference") == line.count("{{ reference }}") > 0


def _subject_of_any_case(
    kind: str, language: str, full: dict[str, Any], names: frozenset[str], reference: str
) -> str:
    """The subject with ``reference`` put in place of the mark in one rendering kept for every case
    (within the process) whose other values the line reads are the same: the sweep's cases differ
    by their reference alone. The line is kept uncut, and cut to length once the reference is in."""
    language = language_of(language)
    read = repr(sorted((k, v) for k, v in full.items() if k in names and k != "reference"))
    key = (kind, language, read)
    marked = _CASE_SUBJECTS.get(key)
    if marked is None:
        if len(_CASE_SUBJECTS) >= 4096:
            _CASE_SUBJECTS.clear()
        ctx = {**full, "reference": REFERENCE_MARK, "language": language}
        with speaking(language):
            marked = _CASE_SUBJECTS[key] = _first_line_subject(kind, ctx, cut=None) or ""
    if REFERENCE_MARK not in marked:  # the line did not show it (or gave no subject): render alone
        return render_subject(kind, language, full)
    return marked.replace(REFERENCE_MARK, reference)[:255]


def _tidy(text: str) -> str:
    """Template tags leave blank runs behind: keep at most one empty line between paragraphs."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"
