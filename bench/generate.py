"""Benchmark the demo dataset generator: rows, seconds and file size per scale (scale 1, plus any --scale)."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from data.generate import generate_database  # noqa: E402


def bench_scale(folder: Path, scale: float, seed: int) -> tuple[int, int, float, int]:
    """Build one database and return (campaigns, daily rows, seconds, bytes)."""
    target = folder / f"demo_scale_{scale:g}.duckdb"
    began = time.perf_counter()
    generate_database(target, scale=scale, seed=seed)
    seconds = time.perf_counter() - began
    with duckdb.connect(str(target), read_only=True) as con:
        campaigns = con.execute("SELECT count(*) FROM campaigns").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM campaign_daily").fetchone()[0]
    return campaigns, rows, seconds, target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Print one line of figures per scale built."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, action="append", default=[], help="another scale to build, e.g. 10")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    scales = sorted({1.0, *args.scale})
    print(f"{'scale':>6} {'campaigns':>10} {'rows':>12} {'seconds':>8} {'MB':>8} {'rows/s':>12}")
    with tempfile.TemporaryDirectory(prefix="clarify-bench-") as folder:
        for scale in scales:
            campaigns, rows, seconds, size = bench_scale(Path(folder), scale, args.seed)
            print(f"{scale:>6g} {campaigns:>10,} {rows:>12,} {seconds:>8.2f} {size / 1e6:>8.1f} "
                  f"{rows / seconds:>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
