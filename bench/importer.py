"""Import a CSV file of contacts in a process of its own, so its peak memory is its own.

``python -m bench.importer CONFIG FILE`` prints JSON: rows, seconds, peak_mb.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from crm_core.runtime import CRM


def main() -> None:
    config, source = sys.argv[1], sys.argv[2]
    crm = CRM.load(config, jobs_mode="inline").open()
    started = time.perf_counter()
    report = crm.transfer.import_file("contact", source)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": report.imported, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
