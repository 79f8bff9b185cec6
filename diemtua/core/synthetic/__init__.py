"""National-shaped synthetic data for benchmarks (`manage.py bench_seed`, issue 9).

`loader` writes rows fast (PostgreSQL COPY, SQLite executemany); `names` makes believable
Vietnamese names; `national` decides what a country's schools, students and cases look like.
Nothing here is used by the product itself.
"""
