"""No template puts a value where the browser would run it as code.

Alpine and htmx evaluate some attributes as JavaScript (`x-data`, `@click`, `:class`, `hx-on`, trigger
filters in `hx-trigger`, `js:` in `hx-vals`/`hx-headers`…). The browser un-escapes `&#x27;` before they
run, so Django's autoescaping does not protect a value put there. Values reach the page's scripts through
`data-` attributes or `json_script`, read by the static JS files; and no template has an inline
`<script>` or `on…=` handler (the Content Security Policy would refuse to run them anyway).
"""

import re
from pathlib import Path

from django.conf import settings

# Attributes whose value Alpine or htmx evaluate (or may evaluate) as JavaScript.
CODE_ATTRIBUTE = re.compile(
    r"""(?<=\s)(?P<name>x-[\w:.-]+|@[\w:.-]+|:[\w.-]+|hx-on[\w:.-]*|hx-vals|hx-vars|hx-headers|hx-trigger"""
    r"""|on[a-z]+)\s*=\s*(?P<quote>["'])(?P<value>.*?)(?P=quote)""",
    re.DOTALL,
)
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
TEMPLATE_CODE = re.compile(r"\{\{|\{%")
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = set((base / "templates").rglob("*.html"))
    for directory in base.glob("*/templates"):
        found.update(directory.rglob("*.html"))
    for directory in base.glob("*/*/templates"):
        found.update(directory.rglob("*.html"))
    return sorted(path for path in found if ".venv" not in path.parts)


def problems_in(text: str, name: str) -> list[str]:
    """Each place in one template's source where code could be written by a value, as `name:line: …`."""

    def at(offset: int, message: str) -> str:
        return f"{name}:{text.count(chr(10), 0, offset) + 1}: {message}"

    found = []
    for match in CODE_ATTRIBUTE.finditer(text):
        attribute, value = match["name"], match["value"]
        if re.fullmatch(r"on[a-z]+", attribute):
            found.append(
                at(match.start(), f"inline event handler {attribute}=… (move it to a static JS file)")
            )
        elif TEMPLATE_CODE.search(value):
            found.append(at(match.start(), f"template code inside {attribute}={value.strip()[:60]!r}"))
    for match in SCRIPT.finditer(text):
        attrs, body = match["attrs"], match["body"]
        if "src=" not in attrs:
            found.append(at(match.start(), "inline <script> (move it to a static JS file)"))
        elif body.strip():
            found.append(at(match.start(), "<script src=…> with a body"))
        elif TEMPLATE_CODE.search(re.sub(r"""src=(["']).*?\1""", "", attrs)):
            found.append(at(match.start(), "template code in a <script> tag's attributes"))
    for match in JAVASCRIPT_URL.finditer(text):
        found.append(at(match.start(), "javascript: URL"))
    return found


def test_the_scan_finds_values_in_code_and_inline_scripts():
    source = (
        "<form\n"
        "      x-data=\"{ guest: '{{ chosen_guest }}' }\"\n"
        '      @change="pick($event)" :class="{ on: {{ flag }} }">\n'
        '<div hx-trigger="every {{ seconds }}s [ready()]" hx-vals=\'{"a": "{{ a }}"}\'></div>\n'
        '<a href="javascript:void(0)" onclick="go()">x</a>\n'
        "<script>var next = '{{ next }}';</script>\n"
        '<div data-guest="{{ chosen_guest }}" hx-get="{% url \'x\' %}" x-show="newGuest"></div>\n'
    )
    assert problems_in(source, "t.html") == [
        "t.html:2: template code inside x-data=\"{ guest: '{{ chosen_guest }}' }\"",
        "t.html:3: template code inside :class='{ on: {{ flag }} }'",
        "t.html:4: template code inside hx-trigger='every {{ seconds }}s [ready()]'",
        't.html:4: template code inside hx-vals=\'{"a": "{{ a }}"}\'',
        "t.html:5: inline event handler onclick=… (move it to a static JS file)",
        "t.html:6: inline <script> (move it to a static JS file)",
        "t.html:5: javascript: URL",
    ]


def test_the_scan_covers_the_project_templates():
    names = {path.relative_to(settings.BASE_DIR).as_posix() for path in template_files()}
    assert {
        "templates/base.html",
        "templates/rooms/walk_in.html",
        "templates/rooms/housekeeping.html",
    } <= names


def test_no_template_puts_a_value_into_code_or_has_inline_script():
    found = []
    for path in template_files():
        found += problems_in(path.read_text(encoding="utf-8"), path.relative_to(settings.BASE_DIR).as_posix())
    assert not found, "values where the browser runs code:\n" + "\n".join(found)
