"""A second process that creates a ticket every ``--interval`` seconds for ``--seconds``
seconds through the records service, and reports every write's latency and failure.

The custom-field scenario runs it while it adds fields, to show that no write fails and
none stalls. Prints JSON: ``{"writes", "failed", "errors", "max_ms", "p99_ms"}``.
"""

from __future__ import annotations

import argparse
import json
import time

from crm_core.runtime import CRM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--max-writes", type=int, default=2000)
    args = parser.parse_args()
    crm = CRM.load(args.config, jobs_mode="inline").open()
    latencies, errors = [], []
    print("ready", flush=True)
    deadline = time.perf_counter() + args.seconds
    index = 0
    while time.perf_counter() < deadline and index < args.max_writes:
        started = time.perf_counter()
        try:
            crm.records.create(
                "ticket", {"title": f"Written during a schema change {index}", "priority": "normal"}
            )
        except Exception as exc:  # every failure counts, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        latencies.append(elapsed * 1000)
        index += 1
        time.sleep(max(0.0, args.interval - elapsed))
    latencies.sort()
    print(
        json.dumps(
            {
                "writes": len(latencies),
                "failed": len(errors),
                "errors": errors[:5],
                "max_ms": latencies[-1] if latencies else 0,
                "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
