"""Running the command line as a separate process, the way users do (shared by the e2e tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NET_GUARD = REPO / "tests" / "netguard"  # its sitecustomize refuses Internet sockets in the child


def run_cli(tmp_path: Path, *argv: str, code: int = 0, data: bool = True, env_extra: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """`nexus-desktop ARGV --data-dir TMP/data` in TMP; checks the exit code, and that errors are one
    clear line, never a traceback."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(NET_GUARD)]), "QT_QPA_PLATFORM": "offscreen",
           **(env_extra or {})}
    if not env_extra or "NEXUS_DESKTOP_DATA_DIR" not in env_extra:
        env.pop("NEXUS_DESKTOP_DATA_DIR", None)
    args = [*argv, "--data-dir", str(tmp_path / "data")] if data else list(argv)
    proc = subprocess.run([sys.executable, "-m", "nexus_desktop", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    if code == 2:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("nexus-desktop"), proc.stderr
    return proc
