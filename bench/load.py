"""Load from a second process: wrk when it is installed, else a small threaded Python
client. Both are bounded in request count and in time, and talk to 127.0.0.1 only.

Run as ``python -m bench.load URL --requests N --seconds S [--header H]``; prints JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit


def run_wrk(url: str, seconds: float, connections: int, headers: list[str]) -> dict:
    """wrk's throughput and latency (it cannot stop after N requests; time bounds it)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "tool": "wrk",
        "requests": total,
        "rate": rate,
        "errors": int(errors.group(1)) if errors else 0,
        "p50_ms": _wrk_ms(output, "50%"),
        "p99_ms": _wrk_ms(output, "99%"),
    }


def _wrk_ms(output: str, label: str) -> float | None:
    found = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output)
    if not found:
        return None
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_python(url: str, requests: int, seconds: float, threads: int, headers: list[str]) -> dict:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    sent_headers = dict(h.split(": ", 1) for h in headers)
    lock = threading.Lock()
    state = {"left": requests, "done": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.perf_counter() < deadline:
            with lock:
                if state["left"] <= 0:
                    break
                state["left"] -= 1
            try:
                connection.request("GET", path, headers=sent_headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                ok = False
            with lock:
                state["done"] += 1
                state["errors"] += 0 if ok else 1
        connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "tool": "python",
        "requests": state["done"],
        "rate": state["done"] / elapsed,
        "errors": state["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument(
        "--python", action="store_true", help="use the Python client even if wrk exists"
    )
    args = parser.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        sys.exit("load goes to 127.0.0.1 only")
    if shutil.which("wrk") and not args.python:
        result = run_wrk(args.url, args.seconds, args.connections, args.header)
    else:
        result = run_python(
            args.url, args.requests, args.seconds, min(args.connections, 8), args.header
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
