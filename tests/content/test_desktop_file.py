"""The desktop file the packaged app installs: a menu entry that also opens nexus:// links."""

from pathlib import Path

DESKTOP = Path(__file__).resolve().parents[2] / "resources" / "nexus-desktop.desktop"


def _entry() -> dict[str, str]:
    lines = DESKTOP.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_desktop_file_registers_the_nexus_url_scheme() -> None:
    entry = _entry()
    assert "x-scheme-handler/nexus" in entry["MimeType"].split(";")
    assert entry["Exec"].split()[1:] == ["%u"]  # the link is handed to nexus-desktop as its argument
