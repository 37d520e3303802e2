"""The shared parts of the integration tests live in tests/integration/fixtures.py."""
