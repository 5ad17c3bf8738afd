"""End-to-end: `nexus-desktop selftest` run as a process (from source; the frozen app runs the same code)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import NET_GUARD

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(ok   .+ \(\d+ ms\)(: .*)?|FAIL .+: .+)$")
FROZEN = REPO / "dist" / "nexus-desktop" / "nexus-desktop"


def run_selftest(command: list[str], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(NET_GUARD)]), "HOME": str(tmp_path / "home"),
           "XDG_DATA_HOME": str(tmp_path / "xdg-data"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "TMPDIR": str(tmp_path)}
    for name in ("NEXUS_DESKTOP_DATA_DIR", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return subprocess.run([*command, "selftest", *extra], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


def check_output(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    checks = [line for line in lines[1:-1]]
    bad = [line for line in checks if not LINE.match(line)]
    assert not bad, f"lines not in the ok/FAIL format: {bad}"
    failed = [line for line in checks if line.startswith("FAIL")]
    assert not failed, "\n".join(failed) + "\n" + proc.stderr
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert lines[-1] == f"all {len(checks)} checks passed", lines[-1]
    return checks


def test_selftest_from_source_passes(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    proc = run_selftest([sys.executable, "-m", "nexus_desktop"], tmp_path)
    checks = check_output(proc)
    names = " | ".join(checks)
    for kind in ("index: full build", "multiprocess writer", "search: word", "search: two words",
                 "search: phrase", "search: prefix", "search: exclude", "search: OR", "search: title:",
                 "search: tag:", "search: fuzzy", "search: as-you-type", "render: every entry",
                 "bookmarks: add, export JSON", "session: save and restore", "window: opens offscreen",
                 "bundle: nothing written"):
        assert kind in names, f"no {kind!r} check in:\n" + "\n".join(checks)
    # Nothing escaped the temp folders: no user data folder was created under HOME.
    assert not any((tmp_path / "home").iterdir())
    assert not (tmp_path / "xdg-data").exists() and not (tmp_path / "xdg-cache").exists()
    # ...and the selftest removed its own temp data folder.
    assert not list(tmp_path.glob("nexus-selftest-*"))


def test_selftest_with_own_content(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "queues").mkdir(parents=True)
    (notes / "queues" / "celery-retries.md").write_text(
        "---\ntitle: Retrying failed Celery tasks\ntags: [celery, retries]\n---\n"
        "# Retrying failed Celery tasks\n\nUse autoretry_for with exponential backoff.\n", encoding="utf-8")
    (notes / "docker.md").write_text("# Docker Compose volumes\n\nNamed volumes keep data. #docker\n",
                                     encoding="utf-8")
    (notes / "swagger.md").write_text("---\ntitle: Swagger documentation\ntags: [api]\n---\n"
                                      "Describe the API with OpenAPI and Swagger UI.\n", encoding="utf-8")
    proc = run_selftest([sys.executable, "-m", "nexus_desktop"], tmp_path, "--content", str(notes))
    checks = check_output(proc)
    assert any(line.startswith("ok   index: full build") and "3 entries" in line for line in checks), checks


def test_selftest_missing_content_is_usage_error(tmp_path: Path) -> None:
    proc = run_selftest([sys.executable, "-m", "nexus_desktop"], tmp_path, "--content", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not (FROZEN.is_file() and os.environ.get("NEXUS_TEST_FROZEN")),
                    reason="set NEXUS_TEST_FROZEN=1 after `pyinstaller --noconfirm build.spec` (a dist/ left from "
                           "an older checkout would test old code; packaging/ci-package.sh checks the fresh build)")
def test_frozen_selftest_passes(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    proc = run_selftest([str(FROZEN)], tmp_path)
    check_output(proc)
    assert "(frozen;" in proc.stdout.splitlines()[0]
