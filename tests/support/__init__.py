"""Builders shared by the test suite (importable as ``support`` via pytest's pythonpath)."""
