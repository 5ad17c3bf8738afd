#!/bin/bash
# Time from exec to the main window being visible, on a virtual X display (Xvfb + xdotool).
#   packaging/measure-launch.sh [RUNS] [-- COMMAND...]      (default: 3 runs of dist/nexus-desktop/nexus-desktop)
# Each run uses the same --data-dir (first launch builds the index in the background; later ones reuse it).
# Prints each run and the median in seconds. Needs Xvfb and xdotool (../shared/tools/shot installs them).
set -eu
runs=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then runs=$1; shift; fi
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$here/dist/nexus-desktop/nexus-desktop"
for tool in Xvfb xdotool; do
  command -v $tool >/dev/null || { echo "measure-launch: $tool is not installed" >&2; exit 1; }
done

data=$(mktemp -d); dispfile=$(mktemp)
xpid= apid=
cleanup() {
  if [ -n "$apid" ]; then kill "$apid" 2>/dev/null || true; fi
  if [ -n "$xpid" ]; then kill "$xpid" 2>/dev/null || true; fi
  rm -rf "$data" "$dispfile"
}
trap cleanup EXIT
# -displayfd: Xvfb picks a free display and writes its number once it accepts connections.
# -noreset: no server reset when the last client leaves (a reset refuses the next app for a moment).
Xvfb -displayfd 3 -screen 0 1280x860x24 -nolisten tcp -noreset 3>"$dispfile" >/dev/null 2>&1 & xpid=$!
for _ in $(seq 100); do [ -s "$dispfile" ] && break; sleep 0.05; done
[ -s "$dispfile" ] || { echo "measure-launch: Xvfb did not start" >&2; exit 1; }
export DISPLAY=:$(head -1 "$dispfile"); unset QT_QPA_PLATFORM WAYLAND_DISPLAY

times=()
for run in $(seq "$runs"); do
  start=$(date +%s%N)
  "$@" --data-dir "$data" >/dev/null 2>>"${NEXUS_LAUNCH_LOG:-/dev/null}" & apid=$!
  shown=
  for _ in $(seq 3000); do  # poll every ~5 ms, give up after ~30 s
    if xdotool search --onlyvisible --name 'Nexus' >/dev/null 2>&1; then shown=$(date +%s%N); break; fi
    kill -0 $apid 2>/dev/null || break
    sleep 0.005
  done
  [ -n "$shown" ] || { echo "run $run: no window appeared" >&2; exit 1; }
  secs=$(awk -v a="$start" -v b="$shown" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  echo "run $run: window shown after $secs s"
  times+=("$secs")
  sleep 1.5  # let it finish starting (index check), then quit like a user would (saves the session)
  kill -TERM "$apid" 2>/dev/null || true; wait "$apid" 2>/dev/null || true; apid=
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "median of $runs: $median s"
