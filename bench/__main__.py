"""`python -m bench core|ui|all|soak [--corpus english|all|both] [--runs N] [--json FILE]`: print benchmark tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import core_bench
from bench.corpus import corpora


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suite", choices=["core", "ui", "all", "soak"])
    parser.add_argument("--corpus", choices=["english", "all", "both"], default="english")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the slow measurements (medians)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sets = corpora(args.corpus)
    figures: dict[str, object] = {}
    if args.suite in ("core", "all"):
        figures["core"] = core_bench.run(sets, args.runs)
    if args.suite in ("ui", "all"):
        from bench import ui_bench

        figures["ui"] = ui_bench.run(sets, args.runs)
    if args.suite == "soak":  # one long window session: run on its own, not part of `all`
        from bench import soak_bench

        figures["soak"] = soak_bench.run(sets, args.runs)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
