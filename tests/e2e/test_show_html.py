"""`show --html` writes a page a browser can use safely: links it can follow, nothing it would run."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import run_cli as run


def test_show_html_keeps_only_links_the_policy_follows(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "sub" / "target.md").write_text("# Target\n\n## Part two\n\ntext\n", encoding="utf-8")
    (notes / "page.md").write_text(
        "# Page\n\n[js](javascript:alert(1)) [vb](vbscript:msgbox) [d](data:text/html,<script>x</script>) "
        "[f](file:///etc/passwd) [w](https://example.org) [t](sub/target.md#part-two) [[Target]] [a](#page)\n",
        encoding="utf-8")
    page = run(tmp_path, "show", "notes/page", "--html", "--content", str(notes)).stdout
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert sorted(hrefs) == sorted(["https://example.org", "sub/target.html#part-two", "sub/target.html", "#page"])
    for text in ("js", "vb", "d", "f"):
        assert f">{text}</span>" in page
