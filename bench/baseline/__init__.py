"""A bare django-ninja endpoint that inserts one row: the yardstick the API benchmarks are
measured against. Installed only when AFTERSALES_BENCH_BASELINE=1 (see bench/README.md)."""
