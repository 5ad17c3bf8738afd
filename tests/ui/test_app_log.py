"""Qt's own messages go to the app's log file, not to the terminal."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from PySide6.QtCore import qCritical, qWarning
from PySide6.QtWidgets import QApplication
from nexus_desktop.paths import user_dirs
from nexus_desktop.ui.app import log_to_file, route_qt_messages

log_to_file(user_dirs(sys.argv[1]))
route_qt_messages()
app = QApplication([])
qWarning('OpenType support missing for "DejaVu Sans", script 11')
qCritical("a critical Qt message")
"""


def test_qt_warnings_reach_the_log_not_the_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "data")], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "OpenType" not in done.stderr
    assert "a critical Qt message" in done.stderr  # errors still show where the user launched it
    log = (tmp_path / "data" / "cache" / "nexus-desktop.log").read_text(encoding="utf-8")
    assert 'WARNING qt: OpenType support missing for "DejaVu Sans", script 11' in log
    assert "ERROR qt: a critical Qt message" in log
