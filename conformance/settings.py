"""The one settings object for a run: command line over environment over profile over defaults.

A profile (profiles/*.yaml) names the target's identities and where its credentials come
from; literal passwords are accepted only for the embedded sandbox's own profile.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where the suite is, in a checkout or installed (package data, read through importlib.resources).
PACKAGE_DIR = Path(str(resources.files("pnd_conformance")))
SUITE_DIR = PACKAGE_DIR / "suite"  # the test modules users run
DEFAULT_PROFILE = Path(str(resources.files("pnd_conformance.profiles").joinpath("sandbox.yaml")))
IN_PROCESS = "inprocess://sandbox"
# Writes against these hosts need --allow-production-writes (the docs' documented production host).
PRODUCTION_HOSTS = frozenset({"api.mykaarma.com"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CLIENT_NAMES = ("full", "no_scopes", "read_only", "other_dealer", "dealer_level", "department_level", "two_dealers")


class ConfigError(Exception):
    """A problem with the user's configuration: reported as one line, never a traceback."""


class CredentialRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = None
    username_env: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None


class Credential(BaseModel):
    name: str
    username: str
    password: SecretStr

    def basic(self) -> tuple[str, str]:
        return self.username, self.password.get_secret_value()


class Identities(BaseModel):
    model_config = ConfigDict(extra="allow")
    dealer_uuid: str
    department_uuid: str
    other_dealer_uuid: str | None = None
    other_department_uuid: str | None = None
    dealer_without_service_department_uuid: str | None = None
    customer_uuid: str
    other_customer_uuid: str | None = None
    vehicle_uuid: str | None = None
    creator_user_uuid: str
    assigned_user_uuid: str
    requester_user_uuid: str
    driver_uuids: list[str] = Field(min_length=2)
    pnd_transport_option_uuid: str | None = None
    other_transport_option_uuid: str | None = None
    unknown_uuid: str
    slot_minutes: int = 30


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    base_url: str | None = None
    utc_offset: str = "+0000"
    credentials: dict[str, CredentialRef] = {}
    identities: Identities

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, v: str) -> str:
        if len(v) != 5 or v[0] not in "+-" or not v[1:].isdigit():
            raise ValueError("utc_offset must look like -0700")
        return v


def read_yaml(path: Path, what: str, error: type[Exception] = ConfigError) -> Any:
    """A user's YAML file parsed; a missing file or invalid YAML is `error` with one line naming `what`."""
    if not path.is_file():
        raise error(f"{what} not found: {path}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{what} {path} is not valid YAML: {str(exc).splitlines()[0]}") from None


def load_profile(path: Path) -> Profile:
    data = read_yaml(path, "target profile")
    if not isinstance(data, dict):
        raise ConfigError(f"target profile {path} must be a YAML mapping")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:  # every problem of the profile at once, one line each
        raise ConfigError("\n".join(f"target profile {path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                    for e in exc.errors())) from None


# Requests per second against a remote target unless --rate-limit says otherwise: gentle on a
# shared staging server, still enough for the default run in a few minutes. Loopback and the
# in-process sandbox are unlimited by default.
DEFAULT_RATE_LIMIT = 20.0
# Seconds a read that follows a write may take to show it against a target over the wire (the
# in-process sandbox is immediate: 0). docs/running.md "Real servers settle".
DEFAULT_SETTLE_TIMEOUT = 5.0


class Settings(BaseSettings):
    """Everything about the target. Environment variables are PND_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="PND_", extra="ignore")

    target_url: str | None = None
    target_profile: Path | None = None
    sandbox_faults: str = ""
    sandbox_variants: str = ""
    timeout: float = 10.0
    # Load bounds for shared staging. rate_limit: requests per second for the whole run, split
    # across xdist workers (0 = unlimited; default unlimited in-process, DEFAULT_RATE_LIMIT
    # against a real target). max_concurrency: each process has one request in flight, so it
    # caps the number of xdist workers against a real target, and is their number when the
    # command line names none (plugins/harness.py). Retries: only idempotent
    # requests, only on connection failures, with backoff.
    rate_limit: float | None = None
    max_concurrency: int = Field(default=4, ge=1)
    retries: int = 2
    # settle_timeout: seconds a read-after-write waits for the write to show (None = default above,
    # 0 in-process). retry_after_budget: seconds one request may spend waiting out a gateway's
    # 429/503 with Retry-After before the test ends as an error (environment), never a failure.
    settle_timeout: float | None = Field(default=None, ge=0)
    retry_after_budget: float = Field(default=60.0, ge=0)
    allow_production_writes: bool = False
    expectations: Path | None = None
    # Requests the run may send (conformance/request_budget.py): None = the default budget, 0 = no budget.
    request_budget: int | None = Field(default=None, ge=0)
    # Inferred rules (the suite's reading where the documents are silent; spec/NOTES.md) gate only
    # when strict; otherwise their failures are advisories (conformance/judging/rule_strength.py).
    strict: bool = False
    # An incomplete run (a stated rule skipped or not run, for any reason but being unobservable) fails the gate.
    require_complete: bool = False
    # Where the cleanup ledger of real targets lives (an interrupted run is swept from here).
    ledger_dir: Path = Path("reports") / "ledger"  # relative to where the suite runs

    # Resolved, not configured directly.
    profile: Profile | None = None
    resolved_url: str = IN_PROCESS
    # Clients the target refused at preflight (conformance/target/preflight.py): name -> the one-line reason.
    _refused: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def refused_clients(self) -> dict[str, str]:
        return self._refused

    @property
    def workers(self) -> int:
        return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1))

    @property
    def rate_per_process(self) -> float:
        """Requests per second this process may send (the run's limit split across workers)."""
        local = self.in_process or (urlparse(self.resolved_url).hostname or "") in LOOPBACK_HOSTS
        run = self.rate_limit if self.rate_limit is not None else (0.0 if local else DEFAULT_RATE_LIMIT)
        return run / self.workers if run > 0 else 0.0

    @property
    def settle_seconds(self) -> float:
        if self.settle_timeout is not None:
            return self.settle_timeout
        return 0.0 if self.in_process else DEFAULT_SETTLE_TIMEOUT

    @property
    def in_process(self) -> bool:
        return self.resolved_url == IN_PROCESS

    @property
    def is_production(self) -> bool:
        return (urlparse(self.resolved_url).hostname or "") in PRODUCTION_HOSTS

    @property
    def identities(self) -> Identities:
        assert self.profile is not None
        return self.profile.identities

    def credential(self, name: str) -> Credential | None:
        """A client's credential, or None when the profile does not provide it."""
        assert self.profile is not None
        ref = self.profile.credentials.get(name)
        if ref is None:
            return None
        user = ref.username or (os.environ.get(ref.username_env, "") if ref.username_env else "")
        pw = ref.password.get_secret_value() if ref.password else (
            os.environ.get(ref.password_env, "") if ref.password_env else "")
        if not user or not pw:
            return None
        return Credential(name=name, username=user, password=SecretStr(pw))

    def missing_credential_hint(self, name: str) -> str:
        assert self.profile is not None
        if name in self._refused:
            return self._refused[name]
        ref = self.profile.credentials.get(name)
        if ref is None:
            return f"the profile '{self.profile.name}' defines no '{name}' client"
        envs = [e for e in (ref.username_env, ref.password_env) if e and not os.environ.get(e)]
        if envs:
            return f"client '{name}' needs environment variable(s) {', '.join(envs)}"
        return f"client '{name}' has no username or password"

    def secrets(self) -> list[str]:
        """Every secret value in play, for redaction."""
        out = []
        for name in (self.profile.credentials if self.profile else {}):
            cred = self.credential(name)
            if cred:
                out.append(cred.password.get_secret_value())
        return out

    def describe(self) -> dict[str, Any]:
        """The settings as shown in reports: secrets never included."""
        assert self.profile is not None
        clients = {}
        for name, ref in self.profile.credentials.items():
            cred = self.credential(name)
            source = f"env {ref.password_env}" if ref.password_env else "profile (sandbox only)"
            clients[name] = {"username": cred.username if cred else None, "password": "***" if cred else "missing",
                             "source": source}
        return {
            "target": "embedded sandbox (in-process)" if self.in_process else self.resolved_url,
            "profile": self.profile.name,
            "sandbox_faults": self.sandbox_faults or None,
            "sandbox_variants": self.sandbox_variants or None,
            "timeout_s": self.timeout,
            "rate_limit_rps": (self.rate_per_process * self.workers) or "unlimited",
            "max_concurrency": self.max_concurrency,
            "retries": self.retries,
            "settle_timeout_s": self.settle_seconds,
            "retry_after_budget_s": self.retry_after_budget,
            "allow_production_writes": self.allow_production_writes,
            "expectations": str(self.expectations) if self.expectations else None,
            "request_budget": self.request_budget,
            "strict": self.strict,
            "require_complete": self.require_complete,
            "clients": clients,
        }


def resolve(cli: dict[str, Any]) -> Settings:
    """Build the settings: command-line values (non-None) override PND_* env vars."""
    try:
        settings = Settings(**{k: v for k, v in cli.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"invalid setting {first['loc'][0]}: {first['msg']}") from None
    explicit_profile = settings.target_profile is not None
    path = Path(settings.target_profile or DEFAULT_PROFILE)
    settings.profile = load_profile(path)
    # The URL: explicit option/env, else an explicitly chosen profile's base_url, else the
    # embedded sandbox in-process (so a fresh clone runs with no network).
    url = settings.target_url or (settings.profile.base_url if explicit_profile else None) or IN_PROCESS
    if url != IN_PROCESS:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"--target-url must be an http(s) URL, got {url!r}")
        url = url.rstrip("/")
    settings.resolved_url = url
    if settings.sandbox_variants and not settings.in_process:
        raise ConfigError("--sandbox-variants applies only to the in-process sandbox "
                          "(start `pnd-conformance sandbox --variants` instead)")
    if settings.sandbox_faults and not settings.in_process:
        raise ConfigError("--sandbox-faults applies only to the in-process sandbox "
                          "(start `pnd-conformance sandbox --faults` instead)")
    if settings.credential("full") is None:
        raise ConfigError(f"no usable credential for the 'full' client: {settings.missing_credential_hint('full')}")
    host = urlparse(url).hostname or ""
    literal = [n for n, ref in settings.profile.credentials.items() if ref.password is not None]
    if literal and not (settings.in_process or host in LOOPBACK_HOSTS):
        raise ConfigError(f"profile '{settings.profile.name}' has literal passwords ({', '.join(literal)}); "
                          "for a real target use password_env and export the secret")
    if not settings.in_process and settings.workers > settings.max_concurrency:
        raise ConfigError(f"{settings.workers} xdist workers exceed --max-concurrency {settings.max_concurrency} "
                          "for a real target (each worker has one request in flight); lower -n or raise the cap")
    if not settings.in_process and explicit_profile is False:
        raise ConfigError("a --target-url needs a --target-profile naming identities that exist on that target")
    return settings
