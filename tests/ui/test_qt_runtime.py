"""The Qt binding the app runs on survives long sessions (PySide6 6.12.0 aborted CPython 3.11)."""

import subprocess
import sys

SCRIPT = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for i in range(20000):
    label.setText(str(i))
print("alive")
"""


def test_many_widget_updates_do_not_abort_the_process():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "alive" in done.stdout


def test_lazy_names_load_on_first_use_and_then_are_the_real_thing():
    from nexus_desktop.ui.lazy_qt import lazy_names

    namespace: dict = {}
    lazy_names(namespace, "PySide6.QtCore", "QPoint")
    lazy_names(namespace, "html")
    assert namespace["QPoint"](3, 4).x() == 3          # a call goes to the real class
    from PySide6.QtCore import QPoint

    assert namespace["QPoint"] is QPoint                  # and the stand-in is gone
    assert namespace["html"].escape("<") == "&lt;"
    import html

    assert namespace["html"] is html
