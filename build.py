#!/usr/bin/env python3
"""Build Anki decks from cards/: see README.md or ``python build.py --help``."""
import sys

from qadeck.cli import main

if __name__ == "__main__":
    sys.exit(main())
