"""Build the bundled demo database on first use, so a fresh clone works with no manual step."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def ensure_demo_database(path: Path, progress: Callable[[str, float], None] | None = None) -> Path:
    """Return `path`, generating the demo dataset there first if the file is missing."""
    path = Path(path).expanduser()
    if path.is_file():
        return path
    from data.generate import (
        generate_database,  # only on first use: numpy work we never need again
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(generate_database(path, progress=progress))
