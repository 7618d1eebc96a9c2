"""Root conftest: the suite's pytest plugin (options, target settings, fixtures)."""
pytest_plugins = ["conformance.plugin"]
