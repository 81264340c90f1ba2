"""The benchmark harness of issue 13: build a province-sized data set on PostgreSQL, time every figure.

    python -m bench build --cases 100000      # organisation by import-org, then cases in bulk
    python -m bench run                       # serve, time each figure, print p50/p95 and ratio to floor

See BENCHMARKS.md for the machine and the figures measured.
"""
