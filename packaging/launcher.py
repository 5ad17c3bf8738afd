"""Entry script of the frozen app (PyInstaller): multiprocessing support, then the normal command line."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Must come first: in the frozen app, Whoosh's multiprocess index writer re-runs this executable
    # for its workers, and freeze_support() turns those runs into workers instead of new apps.
    multiprocessing.freeze_support()
    from nexus_desktop.cli import main

    sys.exit(main())
