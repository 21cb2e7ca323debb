"""Someone else's text, made safe to show: the one place that decides how.

Rule tables and order files are text custseg did not write. Shown as it is, a customer id
or a label could act instead of being read: on a terminal, a control character or escape
sequence (``\\x1b[2J``, ``\\x1b]0;title\\x07``, ``\\r``) moves the cursor, clears the
screen or retitles the window, and Rich markup (``[bold red]``, ``[link=...]``) styles or
links it; in the HTML report, markup runs as script and a ``color`` can fetch a URL. Every
renderer passes such text through these functions where it emits it:

- :func:`visible` and :func:`plain` for the terminal (control characters written as
  escapes, no markup);
- :func:`html.escape` (the standard library's) for the page's text, :func:`script_json`
  for data inlined into a ``<script>`` element;
- :func:`css_color` and :func:`terminal_style` for a colour, checked again where it is
  used (the rule-table parser checks it first), with a default when it is not one.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

#: C0 controls (tab and newline included), DEL, C1 controls, the Unicode line and
#: paragraph separators and the bidirectional overrides and isolates, which reorder
#: what a terminal shows ("Trojan source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

#: A colour and nothing else: ``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``,
#: ``rgb(...)``/``rgba(...)``/``hsl(...)``/``hsla(...)`` of numbers, or a name (letters
#: and digits, as CSS's ``rebeccapurple`` and Rich's ``grey50``). None of these can end a
#: CSS declaration, open a ``url(...)``, or leave an attribute or a JSON string.
_COLOR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})"
    r"|(?:rgb|hsl)a?\([0-9., %/]{1,60}\)"
    r"|[a-zA-Z][a-zA-Z0-9]{2,39}"
)

DEFAULT_COLOR = "#888888"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, newlines: bool = False) -> str:
    """``text`` with every control character written as its escape (``\\x1b``, ``\\r``,
    ``\\u202e``), so a terminal shows it instead of acting on it; with ``newlines``, line
    breaks are kept (a message of several lines), else written ``\\n`` too (a table cell,
    a customer id)."""
    text = str(text)
    pattern = _CONTROL_BUT_NEWLINE if newlines else _CONTROL
    return pattern.sub(_escape, text) if pattern.search(text) else text


def plain(text: object, style: str = "") -> Text:
    """``text`` as a Rich :class:`~rich.text.Text`: shown literally (markup such as
    ``[bold]`` is not interpreted, control characters are escaped as :func:`visible`
    does, line breaks included), in ``style``."""
    from rich.text import Text

    return Text(visible(text), style=style)


def css_color(value: object, default: str = DEFAULT_COLOR) -> str:
    """``value`` if it is a colour (see ``_COLOR``), else ``default``: what may be put into
    a style attribute, CSS, SVG or a chart option."""
    if isinstance(value, str) and _COLOR.fullmatch(value.strip()):
        return value.strip()
    return default


def terminal_style(value: object) -> str:
    """``value`` as a Rich style if it is a colour Rich knows (``#rgb`` widened to
    ``#rrggbb``), else ``""`` (no colour): a bad colour never reaches Rich's style parser."""
    from rich.color import Color, ColorParseError

    color = css_color(value, "")
    if not color:
        return ""
    if re.fullmatch(r"#[0-9a-fA-F]{3}", color):
        color = "#" + "".join(c * 2 for c in color[1:])
    try:
        Color.parse(color)
    except ColorParseError:
        return ""
    return color


def terminal_json(value: Any, **options: Any) -> str:
    """``value`` as JSON (``json.dumps`` with ``options``, non-ASCII text kept) for a
    terminal: the C1 controls, bidirectional overrides and line separators that JSON lets
    through are escaped (``\\u009b``) as well as the C0 controls it escapes itself; the
    value read back is the same."""
    return json.dumps(value, ensure_ascii=False, **options).translate(_TERMINAL_ESCAPES)


def script_json(value: Any) -> str:
    """``value`` as JSON to inline in an HTML ``<script>`` element: ``<``, ``>`` and ``&``
    written as ``\\u003c`` etc., so that no ``</script>`` or ``<!--`` in a string can end
    or change the element, and U+2028/U+2029 escaped as well."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


_TERMINAL_ESCAPES = {
    code: f"\\u{code:04x}"
    for code in (*range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}
_SCRIPT_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}
