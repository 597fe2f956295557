"""Speed benchmarks of restore-harness, kept out of ``make test`` (run with ``make bench``).

See docs/benchmarks.md. Everything here runs against the built-in simulated lab, described by an
inventory generated into a temporary directory (``benchmarks.labgen``); ``inventories/`` is never
touched.
"""
