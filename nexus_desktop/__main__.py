"""Entry point for `python -m nexus_desktop`."""

import sys

from nexus_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
