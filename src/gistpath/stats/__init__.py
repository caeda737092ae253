"""Survival and exact statistics with R parity: pure numpy/scipy, no GIST knowledge."""
