"""The test modules users run: every catalogue rule (test_rules.py), Schemathesis' checks of the OpenAPI
spec (test_schemathesis.py), the lifecycle state machine (test_lifecycle.py); example_database.py replays a
rule's last failing examples first."""
