"""What strategies draw from: the target's identities and the state a test has prepared."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Ctx:
    """Identities come from the target profile; `state` from the test's setup (sar_uuid, ...)."""

    identities: dict[str, Any]
    utc_offset: str = "-0700"
    state: dict[str, Any] = field(default_factory=dict)

    def ident(self, name: str) -> Any:
        value: Any = self.identities
        for part in name.split("."):
            if isinstance(value, list):
                value = value[int(part)]
            elif isinstance(value, dict) and part in value and value[part] is not None:
                value = value[part]
            else:
                raise KeyError(f"profile identity {name!r} is not defined")
        return value

    def with_state(self, **state: Any) -> Ctx:
        return Ctx(self.identities, self.utc_offset, {**self.state, **state})
