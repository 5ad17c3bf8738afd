"""Background work keeps Qt's Python side on the GUI thread: every Qt object the app defines lives there,
and no module defining Qt classes is first imported elsewhere. Nor is a live Qt object ever left to Python's
cyclic collector: it runs on whichever thread allocates (the runners' too), and would delete the object
there.

Why: when PySide delivers a queued call to a Python QObject living on another thread, it looks up the
object's meta-object without holding the GIL, and on Python 3.11 that lookup reads a table which the GUI
thread changes whenever a Qt class is created (a lazy import, PySide's lazily made types). A window
racing with it at start-up died of SIGSEGV in MetaObjectBuilder::update (seen in CI and in a launch loop,
about one start in 300 under load). A fresh process is needed: imports already done by other tests hide
the ones a real start makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.ui.test_session_controller import REPO

PROBE = textwrap.dedent('''
    import gc, json, sys, threading
    from importlib.abc import MetaPathFinder
    from pathlib import Path


    class OffMainImports(MetaPathFinder):
        """Records each module first imported on a thread other than the main one."""

        def __init__(self):
            self.seen = []

        def find_spec(self, name, path=None, target=None):
            if threading.current_thread() is not threading.main_thread():
                self.seen.append([threading.current_thread().name, name])
            return None


    imports = OffMainImports()
    sys.meta_path.insert(0, imports)
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the cyclic collector finds is kept in gc.garbage, to be looked at

    from PySide6.QtCore import QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication
    from shiboken6 import Shiboken

    app = QApplication([])
    from nexus_desktop.ui.background import shared_runner
    from nexus_desktop.ui.main_window import MainWindow


    def wait(until, timeout_ms=30000):
        loop, timer = QEventLoop(), QTimer()
        timer.timeout.connect(lambda: loop.quit() if until() else None)
        timer.start(20)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        assert until(), "timed out"


    data, content, bookmarks = sys.argv[1:4]
    window = MainWindow(data, [content])
    updated = []
    window.index_updated.connect(lambda *args: updated.append(True))
    window.show()
    wait(lambda: updated)
    shown = []
    window.search_panel.results_shown.connect(lambda *args: shown.append(True))
    window.search_field.setText("how do I compress files")
    wait(lambda: shown)
    window.open_entry("kb/big")
    wait(lambda: not shared_runner("nexus-render").busy)
    window.bookmarks_panel.import_file(Path(bookmarks))
    wait(lambda: window.bookmarks_panel.import_action.isEnabled())
    gc.unfreeze()  # the library's objects were frozen out of the collector's sight
    elsewhere = sorted({type(obj).__name__ for obj in gc.get_objects()
                        if isinstance(obj, QObject) and type(obj).__module__.startswith("nexus_desktop")
                        and Shiboken.isValid(obj) and obj.thread() is not app.thread()})
    qt_imports = [item for item in imports.seen
                  if item[1].startswith(("PySide6", "shiboken6", "nexus_desktop.ui"))]
    gc.collect()
    # a wrapper whose C++ object Qt already deleted (deleteLater) frees nothing but Python memory
    collected = sorted({type(obj).__name__ for obj in gc.garbage if isinstance(obj, QObject) and Shiboken.isValid(obj)})
    print(json.dumps({"elsewhere": elsewhere, "imports": qt_imports, "collected": collected}))
    window.shutdown()
''')


def test_background_work_leaves_every_qt_object_and_qt_class_on_the_gui_thread(tmp_path, data_dir, content_dir):
    chapters = "\n\n".join(f"## Chapter {n}\n\n" + "A paragraph of the long entry. " * 60 for n in range(80))
    (content_dir / "big.md").write_text(f"# Big\n\n{chapters}\n\nThe very end.\n", encoding="utf-8")
    bookmarks = tmp_path / "bookmarks.json"
    bookmarks.write_text(json.dumps({"bookmarks": [{"id": "kb/tar", "title": "tar"}]}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", PROBE, str(data_dir), str(content_dir), str(bookmarks)],
                         cwd=str(REPO), env=env, text=True, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen == {"elsewhere": [], "imports": [], "collected": []}
