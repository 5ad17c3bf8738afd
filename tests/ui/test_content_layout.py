"""Rendered pages as QTextBrowser lays them out: no sideways scrolling from code, a readable measure,
search marks that leave links looking like links (core rendering + resources CSS; no window needed)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QFontMetricsF, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from nexus_desktop.core.render import LIGHT, Renderer
from nexus_desktop.core.render.layout import readable_margin
from nexus_desktop.paths import resources_dir

LONG_LINE = ("docker run --rm -it -v $(pwd):/work -e A_VERY_LONG_ENVIRONMENT_VARIABLE=value "
             "--name container registry.example.org/team/image:1.2.3 command --flag --another-flag")


class Words:
    """The matcher interface of core.highlight.WordMatcher, as a stand-in: words that start with a term."""

    def __init__(self, *terms: str) -> None:
        self.regex = re.compile("|".join(rf"\b{re.escape(term)}\w*" for term in terms), re.IGNORECASE)

    def spans(self, text: str, limit: int = 2000) -> list[tuple[int, int]]:
        return [match.span() for match in self.regex.finditer(text)][:limit]


def browser(qtbot, scheme: str, markdown: str, width: int, terms: tuple[str, ...] = ()) -> QTextBrowser:
    view = QTextBrowser()
    qtbot.addWidget(view)
    view.resize(width, 500)
    view.document().setDefaultStyleSheet((resources_dir() / f"content-{scheme}.css").read_text(encoding="utf-8"))
    view.setHtml(Renderer(palette=scheme).render_text(markdown, matcher=Words(*terms) if terms else None))
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_long_code_line_wraps_in_its_block_instead_of_scrolling_the_page(qtbot, scheme: str) -> None:
    view = browser(qtbot, scheme, f"# Run\n\n```bash\n{LONG_LINE}\n```\n\nAfter.\n", 420)
    assert view.horizontalScrollBar().maximum() == 0
    assert view.document().idealWidth() <= view.viewport().width()


def test_the_readable_margin_keeps_text_lines_near_80_characters(qtbot) -> None:
    paragraph = " ".join(["Readable text keeps its lines at a comfortable measure."] * 20)
    view = browser(qtbot, "light", paragraph + "\n", 1400)
    doc = view.document()
    margin = readable_margin(view.viewport().width(), QFontMetricsF(doc.defaultFont()).averageCharWidth())
    frame = doc.rootFrame().frameFormat()
    frame.setLeftMargin(margin)
    frame.setRightMargin(margin)
    doc.rootFrame().setFrameFormat(frame)
    block = doc.begin()
    while block.isValid() and block.layout().lineCount() < 2:
        block = block.next()
    layout = block.layout()
    lengths = [layout.lineAt(i).textLength() for i in range(layout.lineCount() - 1)]
    assert lengths and all(65 <= length <= 95 for length in lengths), lengths


def test_a_marked_link_keeps_its_link_colour(qtbot) -> None:
    view = browser(qtbot, "light", "See [the docker docs](https://docs.docker.com) and docker itself.\n", 600,
                   terms=("docker",))
    doc = view.document()
    hit = QColor(LIGHT.hit_background)
    in_link, outside = [], []
    cursor = QTextCursor(doc)
    while not cursor.atEnd():
        cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
        fmt = cursor.charFormat()
        if fmt.background().color() == hit:
            (in_link if fmt.isAnchor() else outside).append(fmt.foreground().color().name())
    assert in_link and set(in_link) == {"#0b63ce"}       # content-light.css: a { color: #0b63ce }
    assert outside and set(outside) == {LIGHT.hit_text}
