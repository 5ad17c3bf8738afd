"""Benchmarks (not tests): `python -m bench core|ui` against the real tldr corpus, side by side with baselines."""
