"""`python -m query_engine ...`: see query_engine/cli.py."""
from __future__ import annotations

import sys

from query_engine.cli import main

if __name__ == "__main__":
    sys.exit(main())
