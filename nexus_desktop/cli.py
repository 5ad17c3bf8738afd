"""Command line: the window by default, and headless sub-commands over the core."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from nexus_desktop import __version__
from nexus_desktop.paths import DATA_DIR_ENV, DataFolderError, resources_dir, user_dirs

if TYPE_CHECKING:  # the GUI path stays light: core is imported inside the commands that use it
    from nexus_desktop.core.indexing import Event
    from nexus_desktop.core.search import SearchResults
    from nexus_desktop.core.workspace import Workspace

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with a one-line message."""


# C0 controls but tab and newline, DEL, C1 controls: ESC sequences in a title or a file would retitle,
# recolour or clear the user's terminal.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text with control characters shown as `\\xNN` escapes, never sent to the terminal raw."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def say(text: str = "", *, err: bool = False) -> None:
    """Print one piece of text output, control characters escaped (stderr lines get the program name)."""
    if err:
        print(f"nexus-desktop: {terminal_safe(text)}", file=sys.stderr)
    else:
        print(terminal_safe(text))


class _Parser(argparse.ArgumentParser):
    search_parser: _Parser | None = None  # the `search` sub-command's parser, on the top-level parser

    def error(self, message: str) -> NoReturn:  # one line, exit 2, never a traceback
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")

    def option_arity(self) -> dict[str, int]:
        """Each option string and how many values follow it, read from argparse's own table (so the
        search argument reordering below cannot drift from the options the parser has)."""
        return {name: 0 if action.nargs == 0 else 1 for action in self._actions for name in action.option_strings}


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help=f"keep index, bookmarks, session and settings under DIR (or ${DATA_DIR_ENV})")
    parser.add_argument("--content", metavar="DIR", action="append", default=argparse.SUPPRESS,
                        help="use exactly these folders as the library for this run (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nexus-desktop", description="Read and search a knowledge base of Markdown, offline.")
    parser.add_argument("--version", action="version", version=f"nexus-desktop {__version__}")
    _add_common(parser)
    parser.set_defaults(targets=[])  # entries to open: the window's own parser takes them (_window_parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    index = sub.add_parser("index", help="build or update the search index and print a summary")
    _add_common(index)
    index.add_argument("--rebuild", action="store_true", help="throw the index away and build it anew")
    index.add_argument("--json", action="store_true", help="print the summary as JSON")
    index.add_argument("--events", action="store_true",
                       help="print progress and results as JSON lines while indexing (what the app reads); "
                            "a first build of a big library makes a first batch searchable early")
    index.add_argument("--merge", action="store_true", help="merge the index into one segment afterwards "
                                                            "(faster searches, takes longer)")

    search = sub.add_parser("search", help="search the library")
    parser.search_parser = search
    _add_common(search)
    search.add_argument("query", metavar="QUERY", nargs="+",
                        help="the query (words may start with '-': `search -tar` excludes tar)")
    search.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    search.add_argument("--offset", type=_non_negative_int, default=0, metavar="N")
    search.add_argument("--json", action="store_true")
    search.add_argument("--as-typed", action="store_true",
                        help="search the words as typed, without respelling unknown ones")

    show = sub.add_parser("show", help="print an entry (Markdown, or rendered HTML)")
    _add_common(show)
    show.add_argument("id", metavar="ID")
    show.add_argument("--html", action="store_true", help="print the rendered HTML page")

    bookmarks = sub.add_parser("bookmarks", help="list, add, remove, export or import bookmarks")
    _add_common(bookmarks)
    add_bookmarks_parser(bookmarks)

    selftest = sub.add_parser("selftest", help="exercise everything headless; exit 0 if all is well")
    _add_common(selftest)
    return parser


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def json_text(data: object) -> str:
    """One JSON document for stdout (json is imported here: the window's launch does without it)."""
    import json

    return json.dumps(data, ensure_ascii=False)


def check_content(args: argparse.Namespace) -> list[str] | None:
    """The `--content` folders of this invocation; UsageError (exit 2, one line) for one that is not a folder."""
    content = getattr(args, "content", None)
    for folder in content or []:
        if not Path(folder).expanduser().is_dir():
            raise UsageError(f"--content {folder}: no such folder")
    return content


def workspace_for(args: argparse.Namespace) -> Workspace:
    """The library, index and data folder this invocation works on."""
    from nexus_desktop.core.workspace import Workspace

    content = check_content(args)
    workspace, notices = Workspace.for_run(getattr(args, "data_dir", None), content)
    for notice in notices:
        say(notice, err=True)
    return workspace


def _fresh_index(workspace: Workspace) -> None:
    """Bring the index up to date before reading it; when it can't be written (another process is
    writing, a read-only folder, a full disk), say so and read it as it is."""
    from nexus_desktop.core.index import IndexBusy, IndexWriteError

    try:
        notices = workspace.update_index().notices
    except (IndexBusy, IndexWriteError) as exc:
        notices = [f"{exc} Searching the index as it is."]
    for notice in notices:
        say(notice, err=True)


def cmd_index(args: argparse.Namespace) -> int:
    workspace = workspace_for(args)
    if args.events:
        return _index_events(workspace, args)
    report = workspace.update_index(rebuild=args.rebuild)
    if args.merge and report.changed:
        workspace.index.merge()
    for notice in report.notices:
        say(notice, err=True)
    if args.json:
        print(json_text(report.to_json()))
    else:
        say(f"{', '.join(report.roots)}: {report.added} added, {report.updated} updated, "
            f"{report.removed} removed, {report.unchanged} unchanged, {len(report.skipped)} skipped "
            f"in {report.seconds:.2f} s")
        for item in report.skipped:
            say(f"  skipped {item['path']}: {item['reason']}")
    return EXIT_OK


def _index_events(workspace: Workspace, args: argparse.Namespace) -> int:
    """`index --events`: the app's indexing job, one JSON object per line on stdout."""
    from nexus_desktop.core.index import die_with_parent
    from nexus_desktop.core.indexing import event_line, run_job

    die_with_parent()  # the app that reads these events owns this process
    outcome = {"ok": True}

    def emit(event: Event) -> None:
        if event["event"] in ("indexed", "busy", "failed"):  # the last of these tells how the job ended
            outcome["ok"] = event["event"] == "indexed"
        print(event_line(event), flush=True)

    run_job(workspace, emit, merge=args.merge, rebuild=args.rebuild)
    return EXIT_OK if outcome["ok"] else EXIT_FAILURE


def cmd_search(args: argparse.Namespace) -> int:
    from nexus_desktop.core.search import BadQuery

    query = " ".join(args.query)
    workspace = workspace_for(args)
    _fresh_index(workspace)
    try:
        results = _search(workspace, query, args.limit, args.offset, correct=not args.as_typed)
    except BadQuery as exc:
        raise UsageError(f"bad query {query!r}: {exc}") from exc
    if args.json:
        print(json_text(results.to_json()))
        return EXIT_OK
    if results.corrected:
        say(f"Showing results for: {results.corrected}  (search instead for the words as typed: --as-typed)")
    say(f"{results.headline()} in {results.took_ms:.0f} ms")
    if results.suggestion:
        say(f"Did you mean: {results.suggestion}")
    if results.timed_out:
        say("The search stopped early (a very broad query): these are the results found by then.")
    for hit in results.results:
        say(f"\n{hit.title}  [{hit.id}]")
        say(f"  {_plain(hit.snippet)}")
        if hit.missing:
            say(f"  Missing: {', '.join(hit.missing)}")
    return EXIT_OK


def _search(workspace: Workspace, query: str, limit: int, offset: int, correct: bool = True) -> SearchResults:
    """Run one query; an index found damaged while searching is rebuilt and the query asked again."""
    from nexus_desktop.core.index import IndexDamaged

    try:
        return _search_once(workspace, query, limit, offset, correct)
    except IndexDamaged:  # the index was set aside: rebuild it (its notice says why), then ask again
        _fresh_index(workspace)
        return _search_once(workspace, query, limit, offset, correct)


def _search_once(workspace: Workspace, query: str, limit: int, offset: int, correct: bool) -> SearchResults:
    from nexus_desktop.core.search import Searcher

    searcher = Searcher(workspace.index)
    try:
        return searcher.search(query, limit=limit, offset=offset, correct=correct)
    finally:
        searcher.close()


def _plain(snippet: str) -> str:
    import html

    return html.unescape(re.sub(r"</?b>", "", snippet))


def cmd_show(args: argparse.Namespace) -> int:
    from nexus_desktop.core.library import EntryError, decode_markdown, read_bytes
    from nexus_desktop.core.render import Renderer, html_document

    workspace = workspace_for(args)
    try:
        entry = workspace.load_entry(args.id)
        if entry is not None and not args.html:
            text = decode_markdown(read_bytes(entry.path, limit=None), [])  # the whole file, read as indexed
    except EntryError as exc:
        raise UsageError(f"{args.id}: {exc}") from exc
    if entry is None:
        raise UsageError(f"no entry {args.id!r} in the library (ids look like nexus/async/celery-retries)")
    for warning in entry.warnings:
        say(f"warning: {entry.id}: {warning}", err=True)
    if not args.html:
        sys.stdout.write(terminal_safe(text))
        return EXIT_OK
    _fresh_index(workspace)
    # links a browser can follow: other entries as relative .html paths, nothing outside the policy
    rendered = Renderer(workspace.resolver(), "light", workspace.root_paths(), export=True).render(entry)
    css_path = resources_dir() / "content-light.css"
    css = css_path.read_text(encoding="utf-8") if css_path.is_file() else ""
    sys.stdout.write(terminal_safe(html_document(rendered.html, css, rendered.title)))
    return EXIT_OK


def add_bookmarks_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of `bookmarks list|add ID|remove ID|export FILE|import FILE`."""
    parser.add_argument("action", choices=["list", "add", "remove", "export", "import"],
                        help="list (checked against the library), add ID, remove ID, "
                             "export FILE, import FILE (.json or .xbel)")
    parser.add_argument("target", nargs="?", metavar="ID|FILE",
                        help="an entry id (ID#anchor for a heading) or a .json/.xbel file")
    parser.add_argument("--folder", metavar="NAME", default=None,
                        help="add: put the bookmark in this folder (A/B; created if needed)")
    parser.add_argument("--note", metavar="TEXT", default=None, help="add: a note on the bookmark")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_bookmarks(args: argparse.Namespace) -> int:
    """`bookmarks list|add ID|remove ID|export FILE|import FILE`: 0 ok, 2 bad usage or input, 1 otherwise."""
    from nexus_desktop.core import bookmark_exchange as exchange
    from nexus_desktop.core.bookmarks import BookmarkError, BookmarkStore
    from nexus_desktop.core.library import EntryError
    from nexus_desktop.core.userdb import UserDataError, open_user_db

    action, target = args.action, args.target
    if action == "list" and target:
        raise UsageError(f"bookmarks list takes no argument (got {target!r})")
    if action != "list" and not target:
        raise UsageError(f"bookmarks {action} needs "
                         + ("a FILE (.json or .xbel)" if action in ("export", "import") else "an entry ID"))
    if action != "add" and (args.folder is not None or args.note is not None):
        raise UsageError("--folder and --note only apply to `bookmarks add`")
    try:
        db = open_user_db(user_dirs(getattr(args, "data_dir", None)).ensure().data)
    except UserDataError as exc:
        say(str(exc), err=True)
        return EXIT_FAILURE
    if db.notice:  # a corrupt store was copied aside, or it is read-only: say so, then carry on
        say(db.notice, err=True)
    store = BookmarkStore(db)

    def emit(obj: object, text: str) -> None:
        print(json_text(obj)) if args.json else say(text)

    try:
        if action == "add":
            entry_ref, _, anchor = target.partition("#")
            try:
                entry = workspace_for(args).load_entry(entry_ref)
            except EntryError as exc:
                raise UsageError(f"{entry_ref}: {exc}") from exc
            if entry is None:
                raise UsageError(f"no entry {entry_ref!r} in the library "
                                 "(ids look like nexus/async/celery-retries)")
            with db.transaction():  # one user action, one transaction (folder and bookmark)
                existing = mark = store.find(entry.id, anchor or None)
                if mark is None:
                    folder = store.folder_by_path(args.folder, create=True) if args.folder is not None else None
                    mark = store.add(entry.id, entry.title, anchor=anchor or None, note=args.note or "",
                                     folder_id=folder.id if folder else None)
            where = "/".join(store.folder_path(mark.folder_id)) or "top level"
            emit({"added": existing is None, "bookmark_id": mark.id, **exchange.bookmark_json(mark),
                  "folder": "/".join(store.folder_path(mark.folder_id))},
                 f"{'Already bookmarked' if existing else 'Bookmarked'}: {mark.title} "
                 f"[{exchange.bookmark_target(mark)}] in {where}")
        elif action == "remove":
            entry_ref, _, anchor = target.partition("#")
            with db.transaction():
                if anchor:  # ID#anchor: just that bookmark; plain ID: every bookmark of the entry
                    one = store.find(entry_ref, anchor)
                    snap = store.remove(one.id) if one else None
                else:
                    snap = store.remove_entry(entry_ref)
            if not snap:
                raise UsageError(f"{target!r} is not bookmarked")
            emit({"removed": len(snap.bookmarks), "id": entry_ref, "anchor": anchor or None},
                 f"Removed {len(snap.bookmarks)} bookmark{'s' * (len(snap.bookmarks) != 1)} of {target}")
        elif action == "list":  # checked against the files as they are now: no indexing first
            report = None if db.read_only else store.reconcile(workspace_for(args).known_entries())
            tree = store.tree()
            emit(exchange.listing_json(tree, report), "\n".join(exchange.listing_lines(tree, report)))
        elif action == "export":
            count = exchange.export_bookmarks(store, Path(target))
            emit({"exported": count, "file": str(Path(target))},
                 f"Exported {count} bookmark{'s' * (count != 1)} to {target}")
        else:
            result = exchange.import_bookmarks(store, Path(target))
            emit({"added": result.added, "duplicates": result.duplicates,
                  "folders_created": result.folders_created, "skipped": list(result.skipped)},
                 f"Imported {result.added} bookmark{'s' * (result.added != 1)} from {target} "
                 f"({result.duplicates} already there, {result.folders_created} folders created"
                 + (f", {len(result.skipped)} links that are not Nexus entries skipped)" if result.skipped
                    else ")"))
    except (exchange.BookmarkFileError, BookmarkError) as exc:
        raise UsageError(str(exc)) from exc
    except UserDataError as exc:
        say(str(exc), err=True)
        return EXIT_FAILURE
    finally:
        db.close()
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from nexus_desktop.selftest import run_selftest

    return run_selftest(args)


def cmd_gui(args: argparse.Namespace) -> int:
    """The window, with entries to open (ids or nexus://open?id=... links); a window already running on
    the same data folder gets them instead."""
    check_content(args)  # before any window: a folder that is not there is bad input
    targets = getattr(args, "targets", [])
    requests = []
    if targets:  # core.urls is not loaded for a plain launch
        from nexus_desktop.core.urls import BadTarget, parse_open_target

        try:
            requests = [parse_open_target(target) for target in targets]
        except BadTarget as exc:
            raise UsageError(str(exc)) from exc
    from nexus_desktop.ui.app import run_app

    return run_app(args, requests)


COMMANDS = {"index": cmd_index, "search": cmd_search, "show": cmd_show, "bookmarks": cmd_bookmarks,
            "selftest": cmd_selftest, None: cmd_gui}


def _window_parser() -> argparse.ArgumentParser:
    """Just what opening the window takes: building every sub-command's parser costs ~12 ms of launch."""
    parser = _Parser(prog="nexus-desktop")
    _add_common(parser)
    parser.add_argument("targets", nargs="*", metavar="ENTRY",
                        help="entries to open: ROOT/path[#heading] or nexus://open?id=ROOT/path#heading")
    parser.set_defaults(command=None)
    return parser


_WINDOW_OPTIONS = ("--data-dir", "--content")
_SUB_COMMANDS = frozenset(name for name in COMMANDS if name)


def _opens_the_window(argv: Sequence[str]) -> bool:
    """Whether these arguments are only `--data-dir DIR` / `--content DIR` and entries to open (the
    window, nothing else): no sub-command, no other option."""
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in _WINDOW_OPTIONS and rest:
            rest.pop(0)
        elif arg.startswith("-") or arg in _SUB_COMMANDS:
            if not arg.startswith(tuple(f"{option}=" for option in _WINDOW_OPTIONS)):
                return False
    return True


def _with_query_last(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`search` arguments with the query words after `--`, so that a word starting with '-' (`-tar`:
    exclude tar) is searched, not taken for an option. Other commands are left as they are."""
    if not isinstance(parser, _Parser) or parser.search_parser is None:
        return argv  # the window's parser: no sub-commands
    search = parser.search_parser
    position = _command_position(argv, parser.option_arity())
    if position is None or argv[position] != "search":
        return argv
    arity = search.option_arity()
    options: list[str] = []
    words: list[str] = []
    rest = argv[position + 1:]
    while rest:
        arg = rest.pop(0)
        name = arg.split("=", 1)[0]
        if arg == "--":
            words += rest
            break
        if name in arity:
            options.append(arg)
            if arity[name] and "=" not in arg and rest:
                options.append(rest.pop(0))
        else:
            words.append(arg)
    return argv[:position + 1] + options + (["--", *words] if words else [])


def _command_position(argv: list[str], arity: dict[str, int]) -> int | None:
    """Where the sub-command is among the arguments (after the top-level options), or None."""
    n = 0
    while n < len(argv):
        name = argv[n].split("=", 1)[0]
        if name not in arity:
            return n if not argv[n].startswith("-") else None
        n += 1 + (arity[name] if "=" not in argv[n] else 0)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = _window_parser() if _opens_the_window(arguments) else build_parser()
    args = parser.parse_args(_with_query_last(arguments, parser))
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        say(str(exc), err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("interrupted", err=True)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except DataFolderError as exc:  # bad input: the same message and code in every command
        say(str(exc), err=True)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the contract: a clear message, never a traceback
        say(_failure_text(exc), err=True)
        return EXIT_FAILURE


def _failure_text(exc: Exception) -> str:
    """One line for a failure: our own errors explain themselves, others say what kind they are."""
    from nexus_desktop.core.index import IndexBusy, IndexDamaged, IndexReadOnly, IndexWriteError
    from nexus_desktop.core.userdb import UserDataError

    if isinstance(exc, IndexBusy) and not isinstance(exc, IndexReadOnly):
        return f"{exc} Try again when it has finished."
    if isinstance(exc, (IndexBusy, IndexDamaged, IndexWriteError, UserDataError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {exc}"
