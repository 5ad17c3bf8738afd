#!/bin/bash
# CI: build the packaged app from this checkout and check it: size, frozen selftest, an offline search.
#   packaging/ci-package.sh [PYTHON]
# PYTHON (default: `python` on PATH, i.e. an activated venv) must have the package extra installed:
#   pip install -e '.[package]'
# Exits non-zero when the build fails, the bundle is over budget, or a frozen check fails.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${1:-python}
MAX_MB=${NEXUS_MAX_BUNDLE_MB:-130}
MAX_BUILD_S=${NEXUS_MAX_BUILD_S:-90}
APP=dist/nexus-desktop/nexus-desktop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }

say "build: pyinstaller --noconfirm build.spec"
rm -rf build/build dist/nexus-desktop
started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN build.spec >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; fail "PyInstaller build failed"; }
build_s=$(( $(date +%s) - started ))
[ -x "$APP" ] || fail "no $APP after the build"
echo "built in ${build_s} s"
if [ "$build_s" -gt "$MAX_BUILD_S" ]; then
  echo "warning: the build took ${build_s} s (budget ${MAX_BUILD_S} s; a loaded CI machine can be slower)" >&2
fi

say "size"
size_mb=$(du -sm dist/nexus-desktop | cut -f1)
echo "dist/nexus-desktop: ${size_mb} MB (budget ${MAX_MB} MB)"
[ "$size_mb" -le "$MAX_MB" ] || fail "the bundle is ${size_mb} MB, over the ${MAX_MB} MB budget"
[ -d dist/nexus-desktop/_internal/content ] || fail "no content/ in the bundle"
[ -d dist/nexus-desktop/_internal/resources ] || fail "no resources/ in the bundle"

# Frozen runs never touch the CI user's folders: HOME and XDG folders point into the temp dir.
export HOME="$work/home" XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache" \
  XDG_CONFIG_HOME="$work/xdg-config" QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
unset NEXUS_DESKTOP_DATA_DIR DISPLAY WAYLAND_DISPLAY

# Cut the network off where the kernel lets us (unprivileged user namespaces or root); else run as is.
offline=()
if command -v unshare >/dev/null; then
  if unshare -n true 2>/dev/null; then offline=(unshare -n)
  elif unshare -rn true 2>/dev/null; then offline=(unshare -rn)
  fi
fi
[ ${#offline[@]} -gt 0 ] && echo "network: cut off with ${offline[*]}" || echo "network: unshare not available, running with it"

say "frozen selftest"
if ! "${offline[@]}" "$APP" selftest >"$work/selftest.out" 2>"$work/selftest.err"; then
  cat "$work/selftest.out" "$work/selftest.err" >&2
  fail "the frozen selftest failed"
fi
cat "$work/selftest.out"
grep -q '^FAIL' "$work/selftest.out" && fail "a selftest check failed"
grep -q 'Traceback' "$work/selftest.out" "$work/selftest.err" && fail "a traceback in the selftest output"

say "frozen search \"celery retries\" --json"
"${offline[@]}" "$APP" search "celery retries" --json --data-dir "$work/data" >"$work/search.json" 2>"$work/search.err" ||
  { cat "$work/search.err" >&2; fail "the frozen search failed"; }
"$PYTHON" - "$work/search.json" <<'EOF' || fail "the frozen search returned no usable results"
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
hits = data["results"]
print(f"{data['total']} results in {data['took_ms']:.0f} ms; first: {hits[0]['id'] if hits else None}")
assert data["total"] > 0 and hits, "no results"
assert hits[0]["id"] == "nexus/async/celery-retries", hits[0]["id"]
EOF
[ -d "$HOME" ] && [ -z "$(ls -A "$HOME")" ] || fail "the frozen app wrote into HOME: $(ls -A "$HOME")"

say "package OK: built in ${build_s} s, ${size_mb} MB"
