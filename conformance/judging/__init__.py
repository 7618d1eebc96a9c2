"""Judging an exchange: the verdict helpers (check, expect_success, expect_error: a non-conformance), the
ordered outcomes, rule strength (an inferred rule advises unless --strict), known deviations (expectations)
and the lenient reading of the schema a serializer may take."""
