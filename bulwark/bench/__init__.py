"""Gas measurements per contract, from receipts on a local chain; scripts/bench_*.py print them."""
