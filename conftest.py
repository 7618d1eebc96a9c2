"""Root conftest: the suite's pytest plugins (options, target settings, fixtures; reports and the gate)."""
pytest_plugins = ["conformance.plugin", "conformance.requests_count", "conformance.budget_plugin", "conformance.seed",
                  "conformance.reporting"]
