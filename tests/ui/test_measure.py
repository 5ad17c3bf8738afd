"""The readable line length in the viewer: about 80 characters, centred, following resize and zoom;
switchable (View menu, remembered); code never widens the page; data tables wrap between words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtGui import QFontMetricsF, QTextBlock

from nexus_desktop.core.render import Renderer
from nexus_desktop.core.render.layout import MIN_MARGIN
from nexus_desktop.ui import theme
from nexus_desktop.ui.main_window import READABLE, MainWindow
from nexus_desktop.ui.viewer import Page, ViewerTab

PROSE = " ".join(["Readable text keeps its lines at a comfortable measure for the eye."] * 12)
LONG_CODE_LINE = "curl --silent https://example.org/" + "a-very-long-path-segment/" * 12 + " | jq ."
LONG_TOKEN = "x" * 300
CODE_PADDING = 10  # px, content CSS: table.code td { padding: 10px }
TABLE = """| Setting | Default | What it does |
| --- | --- | --- |
| `CELERY_TASK_ACKS_LATE` | False | Acknowledge the message after the task finishes so a crashed task is redone |
| visibility_timeout | 3600 | Seconds before an unacknowledged message is redelivered to another consumer |
"""


class MarkdownPages:
    """A page source of Markdown texts by id, rendered as the window renders entries."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.renderer = Renderer()

    def page(self, entry_id: str, first_part: bool = False, terms: Sequence[str] = ()) -> Page:
        return Page(entry_id, entry_id, self.renderer.render_text(self.texts[entry_id]))

    def css(self) -> str:
        return theme.content_css("light")

    def image_allowed(self, _path: Path) -> bool:
        return False


def viewer(qtbot, text: str, width: int) -> ViewerTab:
    tab = ViewerTab(MarkdownPages({"t/page": text}))
    qtbot.addWidget(tab)
    tab.resize(width, 600)
    tab.show()
    qtbot.waitExposed(tab)
    tab.open("t/page")
    tab.browser.document().documentLayout().documentSize()  # laid out now
    return tab


def first_wrapped_block(tab: ViewerTab) -> QTextBlock:
    block = tab.browser.document().begin()
    while block.isValid() and block.layout().lineCount() < 3:
        block = block.next()
    return block


def line_lengths(tab: ViewerTab) -> list[int]:
    layout = first_wrapped_block(tab).layout()
    return [layout.lineAt(i).textLength() for i in range(layout.lineCount() - 1)]


def text_left(tab: ViewerTab) -> float:
    block = first_wrapped_block(tab)
    return tab.browser.document().documentLayout().blockBoundingRect(block).left() + block.blockFormat().leftMargin()


def test_text_lines_keep_about_80_characters_centred(qtbot):
    tab = viewer(qtbot, PROSE, 1500)
    assert all(70 <= n <= 90 for n in line_lengths(tab)), line_lengths(tab)
    left = text_left(tab)
    line = first_wrapped_block(tab).layout().lineAt(0)
    right_gap = tab.browser.viewport().width() - (left + line.width())
    assert left > 200 and abs(left - right_gap) <= 4


def test_the_measure_follows_resize_and_zoom(qtbot):
    tab = viewer(qtbot, PROSE, 1500)
    wide = text_left(tab)
    tab.resize(1100, 600)
    assert text_left(tab) < wide and all(70 <= n <= 90 for n in line_lengths(tab))
    tab.set_zoom(4)
    tab.browser.document().documentLayout().documentSize()
    char_width = QFontMetricsF(tab.browser.document().defaultFont()).averageCharWidth()
    assert all(70 <= n <= 90 for n in line_lengths(tab)), (line_lengths(tab), char_width)


def test_switched_off_the_text_uses_the_whole_width(qtbot):
    tab = viewer(qtbot, PROSE, 1500)
    tab.set_readable(False)
    tab.browser.document().documentLayout().documentSize()
    assert text_left(tab) <= MIN_MARGIN + 1 and min(line_lengths(tab)) > 120


@pytest.mark.parametrize("width", [500, 1100, 1600])
def test_a_code_box_spans_the_measure_like_the_text(qtbot, width: int):
    tab = viewer(qtbot, f"{PROSE}\n\n```bash\n{LONG_CODE_LINE}\n```\n", width)
    text_line = first_wrapped_block(tab).layout().lineAt(0)
    table = tab.browser.document().rootFrame().childFrames()[0]
    code_line = tab.browser.document().findBlock(table.firstPosition()).layout().lineAt(0)
    assert abs(code_line.width() - (text_line.width() - 2 * CODE_PADDING)) <= 2


@pytest.mark.parametrize("width", [420, 900, 1500])
@pytest.mark.parametrize("code", [LONG_CODE_LINE, LONG_TOKEN], ids=["long line", "long word"])
def test_a_long_code_line_never_widens_the_page(qtbot, width: int, code: str):
    tab = viewer(qtbot, f"# Run\n\n{PROSE}\n\n```bash\n{code}\n```\n\nAfter.\n", width)
    assert tab.browser.horizontalScrollBar().maximum() == 0


@pytest.mark.parametrize(("width", "zoom"), [(480, 0), (700, 0), (1500, 0), (900, 6)])
def test_table_cells_wrap_between_words(qtbot, width: int, zoom: int):
    tab = viewer(qtbot, f"{PROSE}\n\n{TABLE}", width)
    tab.set_zoom(zoom)
    tab.browser.document().documentLayout().documentSize()
    words = set(TABLE.replace("`", "").replace("|", " ").split())
    lines = []
    block = tab.browser.document().begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        lines += [text[layout.lineAt(i).textStart():][:layout.lineAt(i).textLength()]
                  for i in range(layout.lineCount())]
        block = block.next()
    cell_words = {word for line in lines for word in line.split() if "_" in word or word in words}
    assert {"CELERY_TASK_ACKS_LATE", "visibility_timeout", "unacknowledged", "redelivered"} <= cell_words
    assert tab.browser.horizontalScrollBar().maximum() == 0


def test_a_table_that_fits_the_measure_lines_up_with_the_text_and_a_wide_one_uses_the_page(qtbot):
    small = "| Key | Action |\n| --- | --- |\n| F3 | next match |\n"
    tab = viewer(qtbot, f"{PROSE}\n\n{small}\n{TABLE}", 1500)
    document = tab.browser.document()
    small_table, wide_table = document.rootFrame().childFrames()
    first_cell = document.findBlock(small_table.firstPosition())
    cell_left = document.documentLayout().blockBoundingRect(first_cell).left()
    assert abs(cell_left - text_left(tab)) <= 12  # the cell's padding and spacing
    assert wide_table.format().leftMargin() == 0 and small_table.format().leftMargin() > 200


def test_the_view_menu_switch_is_remembered(qtbot, data_dir: Path, content_dir: Path, opener):
    first = MainWindow(str(data_dir), [str(content_dir)], opener=opener)
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.index_updated, timeout=30_000):
        first.show()
    action = first.actions_by_name["toggle_readable"]
    assert action.isChecked() and first.current_tab().readable  # on by default
    action.trigger()
    assert not first.current_tab().readable and first.user_data.prefs.get(READABLE) is False
    first.new_tab()
    assert not first.current_tab().readable
    first.close()
    second = MainWindow(str(data_dir), [str(content_dir)], opener=opener)
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.index_updated, timeout=30_000):
        second.show()
    assert not second.actions_by_name["toggle_readable"].isChecked() and not second.current_tab().readable
    second.close()
