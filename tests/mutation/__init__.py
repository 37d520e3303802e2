"""Mutation testing of the package's logic: ``python -m tests.mutation``."""
