"""Code blocks coloured by Pygments as inline-styled HTML, in a one-cell table QTextBrowser can shade."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import markdown
from markdown.postprocessors import Postprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

from nexus_desktop.core.render.palette import Palette

_CODE_RE = re.compile(r'<pre><code(?: class="language-([\w+#.-]+)")?>(.*?)</code></pre>', re.DOTALL)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=4)
def _formatter(style: str) -> HtmlFormatter[str]:
    """Pygments' HTML formatter for a style, built once: the source of each token type's inline CSS."""
    return HtmlFormatter(style=style, noclasses=True, nowrap=True)


@lru_cache(maxsize=1024)
def _token_css(style: str, ttype: _TokenType) -> str:
    """The inline CSS Pygments' HtmlFormatter(noclasses=True) gives a token type ("" for none)."""
    formatter = _formatter(style)
    name: str = formatter._get_css_inline_styles(ttype)  # type: ignore[attr-defined]
    css: str = formatter.class2style[name][0] if name else ""  # type: ignore[attr-defined]
    return css


_SHOWS_ON_BLANKS = re.compile(r"background|underline|border")


def _styled_runs(tokens: Iterable[tuple[_TokenType, str]], style: str) -> Iterator[tuple[str, str]]:
    """(css, text) runs of a token stream: neighbours that look alike are merged, and whitespace joins
    the run before it (its colour, bold or italic cannot be seen) unless either style would show."""
    css, parts = "", list[str]()
    for ttype, value in tokens:
        token_css = _token_css(style, ttype)
        joins = token_css == css or (value.isspace() and not _SHOWS_ON_BLANKS.search(css + token_css))
        if not joins:
            if parts:
                yield css, "".join(parts)
            css, parts = token_css, []
        parts.append(value)
    if parts:
        yield css, "".join(parts)


def format_tokens(tokens: Iterable[tuple[_TokenType, str]], style: str) -> str:
    """Tokens as inline-styled HTML, one span per run of like-looking text (Pygments' own formatter
    also closes spans at line ends and colours whitespace): QTextBrowser's setHtml takes ~25 us per span.
    Inline styles rather than classes: QTextBrowser lays a code-heavy page out ~2.5x faster with them."""
    return "".join(f'<span style="{css}">{html.escape(text, quote=False)}</span>' if css
                   else html.escape(text, quote=False) for css, text in _styled_runs(tokens, style))


@lru_cache(maxsize=2048)
def highlight_code(code: str, language: str, style: str) -> str:
    """HTML of a code block's text, coloured by Pygments when the language is known (remembered:
    reloads and theme switches re-render pages whose blocks have not changed)."""
    lexer = _lexer(language.lower()) if language else None
    if lexer is None:
        return html.escape(code, quote=False)
    if code.endswith("\n"):
        return format_tokens(lexer.get_tokens(code), style)
    # Lexers read a line up to its newline (a bash comment is `#.*\n`): lex the last line with one, then drop it
    return format_tokens(_without_final_newline(lexer.get_tokens(code + "\n")), style)


def _without_final_newline(tokens: Iterable[tuple[_TokenType, str]]) -> Iterator[tuple[_TokenType, str]]:
    previous: tuple[_TokenType, str] | None = None
    for token in tokens:
        if previous is not None:
            yield previous
        previous = token
    if previous is not None and previous[1] != "\n":
        yield previous[0], previous[1].removesuffix("\n")


class QtFixesPostprocessor(Postprocessor):
    """Code blocks get their colours and go into a one-cell table: QTextBrowser shows backgrounds on
    table cells, not on divs."""

    def __init__(self, palette: Palette, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.palette = palette

    def run(self, text: str) -> str:
        return _CODE_RE.sub(self._code_table, text)

    def _code_table(self, match: re.Match[str]) -> str:
        code = html.unescape(match.group(2)).removesuffix("\n")
        body = highlight_code(code, match.group(1) or "", self.palette.pygments_style).removesuffix("\n")
        return (f'<table class="code" width="100%" cellpadding="10" cellspacing="0" '
                f'bgcolor="{self.palette.code_background}"><tr><td><pre class="code"><code>{body}</code></pre>'
                "</td></tr></table>")
