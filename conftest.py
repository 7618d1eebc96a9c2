"""Root conftest: the suite's pytest plugins (options, target settings, fixtures; reports and the gate), for
the checkout's own runs (installed, the `pytest11` entry point loads the same package once)."""
pytest_plugins = ["pnd_conformance.plugins"]
