"""Result snippets: an entry's text as plain readable words around the densest cluster of matches."""

from __future__ import annotations

import html
import re

from nexus_desktop.core.highlight import WordMatcher

SNIPPET_CHARS = 180
_SCAN_CHARS = 200_000
_MAX_MATCHES = 300

# Lines that are only a label and a link ("More information: <https://...>") say nothing in a snippet.
_LINK_LINE_RE = re.compile(r"^\s{0,3}(?:>\s*)?[^\n:]{0,40}:\s*<[a-z]+://[^>\s]*>\.?\s*$", re.M | re.I)
_AUTOLINK_RE = re.compile(r"<[a-z]+://[^>\s]*>", re.I)
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
_CALLOUT_RE = re.compile(r"\[![\w-]+\][+-]?\s*")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_TABLE_PIPE_RE = re.compile(r"\s*(?<!\\)\|\s*")
_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")
_MARKUP_RE = re.compile(  # the lookahead: the first character of any alternative (the rest are not tried elsewhere)
    r"(?=[!\[\s>*+\-\d`~_])"
    r"(?:!?\[\[([^\]|]*\|)?([^\]]*)\]\]|!?\[([^\]]*)\]\([^)]*\)|^\s{0,3}(?:>|[-*+]|\d+\.)\s+|\*{1,3}|`+|~~"
    r"|(?<![\w/.])_{1,3}(?=\w)|(?<=\w)_{1,3}(?![\w/.])|^\s*(?:```|~~~).*$|^---+$)", re.M)


def _heading_sentence(match: re.Match[str]) -> str:
    """A heading ends like a sentence, so it does not run into the text after it."""
    text = match.group(1)
    return text if not text or text[-1] in ".:?!" else f"{text}."


def _table_row(line: str) -> str:
    if "|" not in line:
        return line
    cells = [c for c in _TABLE_PIPE_RE.split(line.strip().strip("|")) if c.strip()]
    return " \u00b7 ".join(cells) if cells else ""


def readable(markdown_text: str) -> str:
    """Markdown as plain words for a snippet: link targets, emphasis, block markers, callout tags,
    table pipes, heading marks and `{{placeholders}}` dropped; headings end like sentences."""
    text = markdown_text  # a pass only runs where what it removes can be (snippets are made per keystroke)
    if "://" in text:
        text = _AUTOLINK_RE.sub("", _LINK_LINE_RE.sub("", text))
    if "#" in text:
        text = _HEADING_RE.sub(_heading_sentence, text)
    if "--" in text:
        text = _TABLE_RULE_RE.sub("", text)
    if "|" in text:
        text = "\n".join(_table_row(line) for line in text.split("\n"))
    if "[!" in text:
        text = _CALLOUT_RE.sub("", text)
    if "{{" in text:
        text = _PLACEHOLDER_RE.sub(r"\1", text)
    cleaned = _MARKUP_RE.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return " ".join(cleaned.split())


def make_snippet(text: str, matcher: WordMatcher | None, width: int = SNIPPET_CHARS) -> str:
    """HTML-escaped readable text around the densest cluster of matches, matches in <b>."""
    spans = matcher.spans(text[:_SCAN_CHARS], _MAX_MATCHES) if matcher else []
    raw_start = max(0, _best_window(text, spans, width) - width // 2) if spans else 0
    if raw_start:
        newline = text.rfind("\n", 0, raw_start + 1)
        raw_start = newline + 1 if newline != -1 and raw_start - newline < width // 2 else raw_start
    raw_end = raw_start + width * 3
    words_text = readable(text[raw_start:raw_end])
    found = matcher.spans(words_text) if matcher else []
    start = max(0, found[0][0] - width // 4) if found else 0
    if start:
        space = words_text.find(" ", start, found[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(words_text), start + width)
    pieces = ["\u2026" if start or raw_start else ""]
    cursor = start
    for m_start, m_end in found:
        if m_start < cursor or m_end > end:
            continue
        pieces += [html.escape(words_text[cursor:m_start]), f"<b>{html.escape(words_text[m_start:m_end])}</b>"]
        cursor = m_end
    pieces.append(html.escape(words_text[cursor:end]))
    if end < len(words_text) or raw_end < len(text):
        pieces.append("\u2026")
    return "".join(pieces)


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Where the most distinct matched words sit within one snippet's width (a sliding window)."""
    span = width * 3 // 4
    words_in = [text[s:e].lower() for s, e in spans]
    counts: dict[str, int] = {}
    best_start, best_score, left = spans[0][0], 0, 0
    for right, (_start, end) in enumerate(spans):
        counts[words_in[right]] = counts.get(words_in[right], 0) + 1
        while end - spans[left][0] > span:
            counts[words_in[left]] -= 1
            if not counts[words_in[left]]:
                del counts[words_in[left]]
            left += 1
        if len(counts) > best_score:
            best_start, best_score = spans[left][0], len(counts)
    return best_start
