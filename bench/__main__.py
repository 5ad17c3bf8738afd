"""`python -m bench core|ui|all|soak [--corpus english|all|both] [--runs N] [--json FILE]`: print benchmark tables.

`soak` is one long window session (not part of `all`): memory after the soak against memory early on.
`python -m bench relevance [--corpus nexus|tldr|obsidian|all] [--json FILE]`: answer quality on the question
sets in bench/relevance/, the app beside bare Whoosh and SQLite FTS5 (see bench/relevance_bench.py).
`python -m bench launches [--runs N]`: the window started 2N times (killed, restarted, quit); starts that
died, with their stacks (see bench/launch_bench.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SPEED_CORPORA = ("english", "all", "both")
RELEVANCE_CORPORA = ("nexus", "tldr", "obsidian", "all")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", choices=["core", "ui", "all", "soak", "relevance", "launches"])
    parser.add_argument("--corpus", choices=sorted(set(SPEED_CORPORA + RELEVANCE_CORPORA)),
                        help="core/ui: english (default), all or both; relevance: nexus, tldr, obsidian or all "
                             "(default)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the slow measurements (medians)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    if args.suite == "relevance":
        if args.corpus not in (None, *RELEVANCE_CORPORA):
            parser.error(f"relevance: --corpus must be one of {', '.join(RELEVANCE_CORPORA)}")
        from bench import relevance_bench

        figures["relevance"] = relevance_bench.run(args.corpus or "all")
    elif args.suite == "launches":
        from bench import launch_bench

        figures["launches"] = launch_bench.run(args.runs)
    else:
        if args.corpus not in (None, *SPEED_CORPORA):
            parser.error(f"{args.suite}: --corpus must be one of {', '.join(SPEED_CORPORA)}")
        figures.update(run_speed(args.suite, args.corpus or "english", args.runs))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def run_speed(suite: str, corpus: str, runs: int) -> dict[str, object]:
    from bench import core_bench
    from bench.corpus import corpora

    sets = corpora(corpus)
    figures: dict[str, object] = {}
    if suite in ("core", "all"):
        figures["core"] = core_bench.run(sets, runs)
    if suite in ("ui", "all"):
        from bench import ui_bench

        figures["ui"] = ui_bench.run(sets, runs)
    if suite == "soak":
        from bench import soak_bench

        figures["soak"] = soak_bench.run(sets, runs)
    return figures


if __name__ == "__main__":
    sys.exit(main())
