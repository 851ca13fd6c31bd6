"""``python -m bench``: generate (or reuse) a data set, run the scenarios, print a table.

python -m bench                           # 1,000,000 tickets on SQLite
python -m bench --records 2000            # the smoke size the test suite uses
python -m bench --database postgresql://postgres@127.0.0.1/test --only list,search
python -m bench --json results.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from .measure import Scenario
from .report import table, write_json
from .scenarios import SCENARIOS, Run

DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="tickets in the data set")
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in the cache folder)")
    parser.add_argument("--only", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="where data sets are kept"
    )
    args = parser.parse_args(argv)
    chosen = [
        name.strip() for name in (args.only or ",".join(SCENARIOS)).split(",") if name.strip()
    ]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        parser.error(
            f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    os.environ.pop("CRM_DATABASE_URL", None)
    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    run = Run(
        records=args.records,
        cache=args.cache.resolve(),  # the CRM reads a relative database path from its config's folder
        database=args.database,
        log=log,
        quick=args.records < 50_000,
    )
    results: list[Scenario] = []
    for name in chosen:
        log(f"scenario {name}")
        try:
            outcome = SCENARIOS[name](run)
        except Exception as exc:
            traceback.print_exc()
            outcome = Scenario(name, name, skipped=f"{type(exc).__name__}: {exc}")
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    data = run.opened
    if data is not None:
        data.crm.close()
    print(table(results))
    if args.json:
        write_json(
            args.json,
            results,
            {
                "records": args.records,
                "database": "postgresql" if args.database else "sqlite",
                "generation_seconds": data.generated_seconds if data else None,
            },
        )
    return 1 if any(s.skipped for s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
