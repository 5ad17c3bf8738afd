"""Render resources/icons/nexus.svg to the PNG sizes the app, the .desktop file and the build use.

Run from anywhere: `python resources/icons/render_icons.py` (needs PySide6 with QtSvg; no display).
Writes nexus-<size>.png for each size next to this script, and nexus.ico (the same PNGs, for Windows).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256)
HERE = Path(__file__).resolve().parent
SOURCE = HERE / "nexus.svg"


def render(sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render the SVG at each size (antialiased, transparent background); return the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    written: list[Path] = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = HERE / f"nexus-{size}.png"
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"cannot write {out}")
        written.append(out)
    del app
    written.append(write_ico(HERE / "nexus.ico", [p for p in written if int(p.stem.split("-")[1]) <= 256]))
    return written


def write_ico(path: Path, pngs: list[Path]) -> Path:
    """A Windows .ico holding the PNGs as they are (PNG-in-ICO, read by Windows Vista and later)."""
    import struct

    blobs = [p.read_bytes() for p in pngs]
    sizes = [int(p.stem.split("-")[1]) for p in pngs]
    header = struct.pack("<HHH", 0, 1, len(blobs))
    offset = len(header) + 16 * len(blobs)
    entries = b""
    for size, blob in zip(sizes, blobs):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    path.write_bytes(header + entries + b"".join(blobs))
    return path


def main() -> int:
    for path in render():
        print(path.relative_to(HERE.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
