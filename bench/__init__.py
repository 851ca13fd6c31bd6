"""The benchmark suite: a million records, each figure next to its raw-SQL floor.

Run it with ``python -m bench``; see docs/performance.md for the latest results and how to
read them. Benchmarks report, they never fail because a machine is slow.
"""
