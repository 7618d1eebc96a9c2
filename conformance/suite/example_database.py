"""Hypothesis' example database for the `dev` profile: the last failing examples replay first.

A local directory under .hypothesis/ (git-ignored). Rule tests define their `@given` inside
the test, so one function serves every rule of a test type; the key is therefore prefixed
with the running test's node id (set by conformance/plugins/budget.py), so that a rule replays
only its own failures. The `ci` and `mutant` profiles are derandomized and keep no database.
"""
from __future__ import annotations

from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase


DATABASE_DIR = Path(".hypothesis") / "pnd-examples"  # where the suite runs, beside Hypothesis' own


class PerTestDatabase(ExampleDatabase):
    current_test: bytes = b""

    def __init__(self, inner: ExampleDatabase | None = None) -> None:
        super().__init__()
        self._inner = inner

    @property
    def inner(self) -> ExampleDatabase:
        if self._inner is None:  # created on first use: nothing is written by runs that never fail
            self._inner = DirectoryBasedExampleDatabase(str(DATABASE_DIR))
        return self._inner

    def _key(self, key: bytes) -> bytes:
        return PerTestDatabase.current_test + b"|" + key

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(self._key(key), value)

    def fetch(self, key: bytes):
        return self.inner.fetch(self._key(key))

    def delete(self, key: bytes, value: bytes) -> None:
        self.inner.delete(self._key(key), value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.move(self._key(src), self._key(dest), value)


DATABASE = PerTestDatabase()
