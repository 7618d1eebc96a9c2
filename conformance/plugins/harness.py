"""The pytest plugin: options, settings, the run's client, fixtures and outcome handling.

Loaded as one package with the other plugins (pnd_conformance.plugins): by the command, the `pytest11` entry point
or the checkout's conftest.py.
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, settings as hsettings

from pnd_conformance.target import preflight
from pnd_conformance.embedded import check_variants, open_target
from pnd_conformance.http.client import Target, TargetFault
from pnd_conformance.http.policies import BudgetReached
from pnd_conformance.target.ledger import CleanupFailed, Ledger, sweep_directory
from pnd_conformance.pytest_state import PLAN, RULE, SETTINGS, TARGET, ReportFacts, rule_of, settings_of
from pnd_conformance.http.redaction import REDACTOR, redact
from pnd_conformance.judging.outcome import Outcome
from pnd_conformance.suite.example_database import DATABASE as EXAMPLE_DATABASE
from pnd_conformance.plugins.options import add_options
from pnd_conformance.settings import SUITE_DIR, ConfigError, resolve
from pnd_conformance.request_budget import shares_setup
from pnd_conformance.target.prepared_states import POOLED, SetupFailed, StatePool, States
from pnd_conformance.judging.verdict import NonConformance
from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies.context import Ctx


# Hypothesis profiles, one per use. `ci` is deterministic (derandomize) and small. `dev` replays the last
# failing examples first (conformance/suite/example_database.py). Examples per test are planned by
# conformance/request_budget.py.
# They derive from Hypothesis' own `default` profile, not from the current settings: under a CI environment
# variable Hypothesis makes its built-in `ci` profile current, and `dev`/`thorough` would inherit its derandomize.
_common = hsettings(hsettings.get_profile("default"), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
                    database=None, print_blob=False)
hsettings.register_profile("dev", _common, max_examples=10, database=EXAMPLE_DATABASE)
hsettings.register_profile("ci", _common, max_examples=5, derandomize=True)
hsettings.register_profile("thorough", _common, max_examples=200)
hsettings.register_profile("mutant", _common, max_examples=5, derandomize=True,
                           phases=[Phase.explicit, Phase.generate], verbosity=Verbosity.quiet)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)  # every plugin's options, in their groups (plugins/options.py)


def usage_lines(problems: list[str]) -> str:
    """Several problems as one usage error that pytest prints as one `ERROR: …` line each."""
    return "\nERROR: ".join(problems)


def _settings(config: pytest.Config):
    cached = settings_of(config)
    if cached is not None:
        return cached
    cli = {
        "target_url": config.getoption("--target-url"),
        "target_profile": config.getoption("--target-profile"),
        "sandbox_faults": config.getoption("--sandbox-faults"),
        "sandbox_variants": config.getoption("--sandbox-variants"),
        "timeout": config.getoption("--request-timeout"),
        "rate_limit": config.getoption("--rate-limit"),
        "max_concurrency": config.getoption("--max-concurrency"),
        "expectations": config.getoption("--expectations"),
        "settle_timeout": config.getoption("--settle-timeout"),
        "retry_after_budget": config.getoption("--retry-after-budget"),
        "request_budget": config.getoption("--request-budget"),
        "allow_production_writes": config.getoption("--allow-production-writes"),
        # pytest's own --strict (its strictness options) also makes inferred rules gate.
        "strict": True if config.getini("strict") else None,
        "require_complete": config.getoption("--require-complete", default=None),
    }
    try:
        settings = resolve(cli)
        check_variants(settings)  # the sandbox's variant names, known only above the settings
    except ConfigError as exc:
        raise pytest.UsageError(usage_lines(str(exc).splitlines())) from None
    config.stash[SETTINGS] = settings
    return settings


MARKERS = ("readonly: the test only reads from the target (safe for production)",
           "writes: the test creates, updates or deletes data on the target")


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    settings = _settings(config)
    for secret in settings.secrets():
        REDACTOR.add(secret)
    for name in settings.profile.credentials:
        cred = settings.credential(name)
        if cred:
            REDACTOR.add_basic(*cred.basic())
    if not config.getoption("--hypothesis-profile", default=None) and _runs_suite(config):
        hsettings.load_profile(default_profile())
    if not hasattr(config, "workerinput") and _runs_suite(config):
        config.pluginmanager.register(_StopWatch(config), "pnd-stop-watch")


_TEST_ORDER = ("test_acceptance", "test_violation", "test_auth", "test_property")


def _run_order(item: pytest.Item) -> tuple:
    """Catalogue rule tests first, so that a run stopped at its first failure (-x) names a rule.

    Operations in lifecycle order (a broken create shows at create's own rules, not at the
    reads that observe it later); within an operation, valid requests before violations
    (every violation starts from a valid request, so an over-strict target shows as the
    rejected valid request, not as a wrong errorCode).
    """
    if Path(item.path) != SUITE_DIR / "test_rules.py":
        return (1, 0, 0)
    rule = rule_of(item)
    op = operation(rule.operation).run_order if rule else 9
    test = item.originalname if hasattr(item, "originalname") else item.name
    return (0, op, _TEST_ORDER.index(test) if test in _TEST_ORDER else 9)


@pytest.hookimpl(trylast=True)  # after `-m readonly` has deselected the writers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)
    settings = config.stash[SETTINGS]
    if settings.is_production and not settings.allow_production_writes:
        writers = [i.nodeid for i in items if i.get_closest_marker("writes")]
        if writers:
            raise pytest.UsageError(
                f"refusing to run {len(writers)} writing test(s) against production {settings.resolved_url}: "
                "select read-only tests with `-m readonly`, or pass --allow-production-writes")


class ProfileCtx(Ctx):
    """The strategies' context, where an identity the profile omits (an optional one: docs/running.md "Profile
    keys") skips the test that needs it with that reason, instead of failing it."""

    def ident(self, name: str) -> Any:
        try:
            return super().ident(name)
        except KeyError:
            pytest.skip(f"the target profile names no '{name.split('.')[0]}' (an optional identity this test needs)")

    def with_state(self, **state: Any) -> Ctx:
        return ProfileCtx(self.identities, self.utc_offset, {**self.state, **state})


def _ctx(settings) -> Ctx:
    return ProfileCtx(settings.identities.model_dump(), settings.profile.utc_offset)


@pytest.fixture(scope="session")
def pnd_settings(pytestconfig: pytest.Config):
    return pytestconfig.stash[SETTINGS]


def _ceiling(config: pytest.Config, tgt: Target) -> None:
    """The run's request budget (the plan's) as the Target's ceiling; xdist workers share one count."""
    plan = config.stash.get(PLAN, None)
    if plan is None or plan.budget is None:
        return
    tgt.ceiling.limit = plan.budget
    run = getattr(config, "workerinput", {}).get("testrunuid")
    if run:
        tgt.ceiling.shared = str(_shared_budget(run))


def _open_target(config: pytest.Config) -> Target:
    """The run's Target, checked by the preflight (conformance/target/preflight.py) before any test runs.

    Nothing answering is exit code 3; a problem of the profile (the full client refused, an identity the
    target says is wrong) is exit code 4 with one line per problem, all of them; another client refused
    makes its tests skip with the reason.
    """
    settings = config.stash[SETTINGS]
    tgt = open_target(settings)
    _ceiling(config, tgt)
    done = getattr(config, "workerinput", {}).get("pnd_preflight")
    if done is not None:  # an xdist worker: the controller checked before starting it
        tgt.refused.update(done["refused"])
        return tgt
    try:
        found = preflight.run(tgt)
    except TargetFault as exc:
        if exc.unreachable:
            tgt.close()
            pytest.exit(f"target unreachable: {exc}", returncode=3)
        return tgt  # it answered, if badly: each test reports what it received
    except BudgetReached:
        return tgt  # a budget smaller than the preflight: the tests say they were not run
    if found.problems:  # with the clients that would have skipped: every credential problem at once
        tgt.close()
        raise pytest.UsageError(usage_lines(found.problems + [f"{why} (its tests would skip)"
                                                              for why in found.refused.values()]))
    return tgt


def default_profile() -> str:
    """The suite's Hypothesis profile when none is named: `ci` under a CI environment, else `dev`."""
    return "ci" if os.environ.get("CI") else "dev"


def _runs_suite(config: pytest.Config) -> bool:
    """Whether the command line names the suite (the checkout's testpaths do, as do `--pyargs
    pnd_conformance.suite` and the command), not only other tests: a team's own session that merely has the
    plugin installed is left alone. A directory above the suite counts only in a checkout (pytest never
    collects an installed package from a virtualenv's site-packages)."""
    suite = SUITE_DIR
    if config.option.pyargs and any(a.split("::", 1)[0].startswith("pnd_conformance") for a in config.args):
        return True
    base = Path(config.invocation_params.dir)
    paths = [(base / a.split("::", 1)[0]).resolve() for a in config.args]
    installed = "site-packages" in suite.parts
    return any(p.is_relative_to(suite) or (suite.is_relative_to(p) and not installed) for p in paths)


@pytest.hookimpl(tryfirst=True)  # before the reports take the selection as a run: a usage error runs nothing
def pytest_collection_finish(session: pytest.Session) -> None:
    """The preflight, once the selection and its budget are known, before the first test (and so before the
    first write). Under xdist the controller has checked already (pytest_sessionstart, below)."""
    config = session.config
    if config.option.collectonly or hasattr(config, "workerinput") or config.getoption("--cleanup-only"):
        return
    suite = SUITE_DIR
    if not any(Path(item.path).resolve().is_relative_to(suite) for item in session.items):
        return
    config.stash[TARGET] = _open_target(config)


_XDIST_PREFLIGHT = pytest.StashKey[tuple[dict[str, str], int]]()


@pytest.hookimpl(tryfirst=True)  # before xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist, the controller runs the preflight once, before any worker starts: a problem stops the run
    (exit 4) as it does without xdist, and the workers learn the refused clients (pytest_configure_node)."""
    config = session.config
    if (hasattr(config, "workerinput") or config.pluginmanager.get_plugin("dsession") is None
            or config.option.collectonly or config.getoption("--cleanup-only") or not _runs_suite(config)):
        return
    tgt = _open_target(config)
    try:
        from pnd_conformance.plugins.request_count import run_count

        sent = list(tgt.history)
        count = run_count(config)
        if count is not None and sent:
            ops: dict[str, int] = {}
            for ex in sent:
                ops[ex.operation] = ops.get(ex.operation, 0) + 1
            count.add({"by_operation": ops, "key": "preflight", "type": "preflight", "examples": 0})
        config.stash[_XDIST_PREFLIGHT] = (dict(tgt.refused), len(sent))
    finally:
        tgt.close()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """An xdist worker skips the preflight its controller ran, and its requests count against the budget."""
    done = node.config.stash.get(_XDIST_PREFLIGHT, None)
    if done is None:
        return
    refused, sent = done
    node.workerinput["pnd_preflight"] = {"refused": refused}
    run = node.workerinput.get("testrunuid")
    if run and sent:
        path = _shared_budget(run)
        if not path.exists():
            path.write_text(str(sent), encoding="ascii")


def _shared_budget(run: str) -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"pnd-budget-{run}"


@pytest.fixture(scope="session")
def target(pytestconfig):
    tgt = pytestconfig.stash.get(TARGET, None)
    if tgt is None:
        try:
            tgt = _open_target(pytestconfig)
        except pytest.UsageError as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    yield tgt
    tgt.close()


@pytest.fixture(scope="session")
def ctx(pnd_settings) -> Ctx:
    return _ctx(pnd_settings)


@pytest.fixture(scope="session")
def ledger(pnd_settings, target, ctx):
    led = Ledger(pnd_settings.resolved_url, None if pnd_settings.in_process else pnd_settings.ledger_dir)
    target.ledger = led  # every create is written down before it is sent
    yield led
    target.ledger = None
    with target.ceiling.cleaning():  # never refused by the budget, counted apart
        errors = led.sweep(target, ctx)  # also finds what creates that got no answer (timeouts) made
    for note in led.notes:
        warnings.warn(f"cleanup: {redact(note)}", stacklevel=1)
    if errors:
        raise CleanupFailed("cleanup left data on the target (`pnd-conformance cleanup` sweeps it "
                            "later):\n" + "\n".join(errors))
    led.remove_if_clean()


@pytest.fixture
def states(request, target, ctx, ledger, state_pool) -> States:
    state_pool.at(request.node.nodeid)
    return States(target, ctx, ledger, on_prepared=lambda: request.node.stash.__setitem__(_PREPARED, True),
                  pool=state_pool)


@pytest.fixture(scope="session")
def state_pool(request, pnd_settings, target, ledger):
    """Appointments made ahead for the tests of this process (torn down before the ledger, whose sweep deletes
    what no test took), knowing what the run's rule tests will take."""
    pool = StatePool(_pool_demand(request.session), pnd_settings.workers)
    yield pool
    pool.close(target)


def _pool_demand(session: pytest.Session) -> list[tuple[str, str, int]]:
    """(node id, kind, appointments) of every test in the run's order: for a rule test that starts from a
    poolable state one per planned example (one for all, when it shares its setup: request_budget.shares_setup);
    for any other test ("", 0) (a property's own creates take from the pool as they come)."""
    plan = session.config.stash.get(PLAN, None)
    default = hsettings.default.max_examples if hsettings.default is not None else 1
    demand = []
    for item in session.items:
        rule = rule_of(item)
        kind = POOLED.get(rule.effective_setup) if rule is not None and rule.test != "property" else None
        planned = (plan.for_test(item.nodeid) if plan is not None else None) or default
        demand.append((item.nodeid, kind or "", (1 if shares_setup(rule) else planned) if kind else 0))
    return demand


def _auto_workers(config: pytest.Config) -> int:
    """xdist workers a run over the wire gets when the command line names none: --max-concurrency of them.

    Each worker has one request in flight, so a target's latency and settling overlap up to the cap, inside
    the run's rate limit (split across workers) and budget (one shared count). In-process runs stay serial
    (nothing to overlap), as do runs that cannot distribute: -n/--dist/--tx given, --pdb, collection only,
    xdist disabled (-p no:xdist), or no test of the suite selected; and runs that stop at the first failures
    (-x/--maxfail), which ask for an order: under xdist the stop is an interruption (exit 2, not 1) and which
    tests failed first depends on the workers' timing.
    """
    if (hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist")
            or getattr(config.option, "numprocesses", None) is not None
            or getattr(config.option, "dist", "no") != "no" or getattr(config.option, "tx", None)
            or getattr(config.option, "distload", False)
            or config.option.collectonly or config.getoption("usepdb", False) or not _runs_suite(config)
            or getattr(config.option, "maxfail", 0)):
        return 0
    settings = _settings(config)
    return settings.max_concurrency if not settings.in_process and settings.max_concurrency > 1 else 0


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which turns -n into its workers
def pytest_cmdline_main(config: pytest.Config):
    # Only xdist workers run with these set (xdist sets them in each worker). A run started from inside
    # another pytest-xdist worker (a team's own test of the suite) inherits them: they are not this run's.
    if not hasattr(config, "workerinput"):
        for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT"):
            os.environ.pop(name, None)
    if not config.getoption("--cleanup-only"):
        if workers := _auto_workers(config):
            # What xdist's own pytest_cmdline_main makes of `-n N`, whichever of the two runs first.
            config.option.numprocesses = workers
            config.option.dist = "load"
            config.option.tx = ["popen"] * workers
        return None
    settings = _settings(config)
    target = open_target(settings)
    try:
        deleted, errors, notes = sweep_directory(settings.ledger_dir, target, _ctx(settings))
    finally:
        target.close()
    print(redact(f"cleanup: {deleted} appointment(s) deleted on {settings.resolved_url}"))
    for line in notes:
        print(redact(f"cleanup note: {line}"))
    for line in errors:
        print(redact(f"cleanup error: {line}"))
    return 1 if errors else 0


def classify(report: pytest.TestReport, call: pytest.CallInfo) -> bool:
    """Tell a harness or network fault (an error; True) from a non-conformance, and redact what the
    report shows. The first step of the one makereport hook (pnd_conformance.plugins.reports)."""
    if call.excinfo is not None and call.excinfo.errisinstance(BudgetReached):
        # Not sent, so not judged: the test did not run (and the run stops: pnd_conformance.plugins.harness below).
        report.outcome = "skipped"
        report.longrepr = (str(report.fspath), report.location[1] or 0, f"not run: {call.excinfo.value}")
        ReportFacts.update(report, outcome=Outcome.NOT_RUN)
        return True
    if call.excinfo is not None and call.excinfo.errisinstance(SetupFailed):
        # The target refused the valid request the test starts from: an error in one line, no verdict.
        ReportFacts.update(report, outcome=Outcome.ERROR)
        report.longrepr = redact(f"SETUP ERROR: {call.excinfo.value}")
        if call.when == "call":
            report.outcome = "failed"
            report.user_properties.append(("pnd_outcome", "error"))
        return True
    if call.excinfo is not None and call.excinfo.errisinstance((TargetFault, CleanupFailed)):
        # A harness or network fault is an error, not a non-conformance.
        ReportFacts.update(report, outcome=Outcome.ERROR)
        report.longrepr = redact(f"HARNESS/NETWORK ERROR: {call.excinfo.value}")
        if call.when == "call":
            report.outcome = "failed"
            report.user_properties.append(("pnd_outcome", "error"))
        return True
    if call.excinfo is not None and call.excinfo.errisinstance(NonConformance):
        # A non-conformance is the target's fault: the message (received, documented,
        # reproduce) is the whole story, without a traceback through the suite's code.
        message = str(call.excinfo.value)
        falsifying = _hypothesis_notes(call.excinfo.value)
        report.longrepr = redact(message + (("\n" + falsifying) if falsifying else ""))
    elif report.failed and report.longrepr is not None:
        report.longrepr = redact(str(report.longrepr))
    return False


def _hypothesis_notes(exc: BaseException) -> str:
    # Hypothesis attaches "Falsifying example: ..." as exception notes (PEP 678).
    return "\n".join(getattr(exc, "__notes__", []) or [])


@pytest.fixture
def record_rule(request: pytest.FixtureRequest):
    """Tie the test to its catalogue rule, for reports (Allure labels, the conformance matrix)."""
    def record(rule) -> None:
        request.node.stash[RULE] = rule
        request.node.user_properties.append(("rule", rule.id))
    return record


# The same setup refusal this many tests in a row stops the run: the target refuses what every test
# starts from, and more tests would only repeat it.
SETUP_STOP_AFTER = 3
_STREAK = pytest.StashKey[dict[str, tuple[tuple, int]]]()  # per kind (setup, refusal): its cause, how many
_STOP = pytest.StashKey[tuple[str, int]]()
_PREPARED = pytest.StashKey[bool]()  # the test prepared a state on the target (States.create answered 200)


def _setup_stop(settings, cause: tuple[str, int, str], times: int) -> tuple[str, int]:
    """The one line and exit code that stop a run whose setups keep being refused the same way."""
    step, status, codes = cause
    what = f"{step} answered HTTP {status}{' ' + codes if codes else ''}"
    head = f"the target refused the setup of {times} tests in a row ({what}), so no rule could be judged"
    if status == 401:
        return (f"{head}: client 'full' was refused: check {preflight.secret_source(settings, 'full')}",
                pytest.ExitCode.USAGE_ERROR)
    if status == 403:
        return f"{head}: the 'full' client lacks a scope for the profile's dealer or department", \
            pytest.ExitCode.USAGE_ERROR
    return f"{head}; the first test's error shows the request (a profile identity the target does not accept?)", \
        pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the reports' own judgement of the phase
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Note on the report what may stop the run: the budget reached, a setup refused, a valid request refused.
    Whether it does is judged where every test's report arrives (_StopWatch), so that under xdist "in a row"
    means the run's order, not one worker's."""
    report = yield
    exc = call.excinfo.value if call.excinfo is not None else None
    if isinstance(exc, BudgetReached):
        ReportFacts.update(report, detail=str(exc))  # the reason as the roll-up shows it, not an exception's name
    if call.when != "call":
        return report
    if isinstance(exc, BudgetReached):
        ReportFacts.update(report, stop=["budget", str(exc)])
    elif isinstance(exc, SetupFailed):
        ReportFacts.update(report, stop=["setup", list(exc.cause)])
    elif isinstance(exc, NonConformance) and getattr(item, "originalname", "") == "test_acceptance" and \
            report.failed and (refused := _refusal(exc)) is not None:  # an advisory is an outcome the run permits
        ReportFacts.update(report, stop=["refusal", list(refused)])
    elif item.stash.get(_PREPARED, False):
        ReportFacts.update(report, stop=["prepared", None])  # the target let this test prepare its state
    return report


class _StopWatch:
    """Watches the call reports (in the one process, or on the xdist controller) for what stops the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        config = self.config
        if report.when != "call" or _STOP in config.stash:
            return
        noted = ReportFacts.of(report).stop
        kind: str | None = noted[0] if noted else None
        cause: Any = noted[1] if noted else None
        if kind == "budget":
            config.stash[_STOP] = (f"{cause}; the tests after it did not run", pytest.ExitCode.TESTS_FAILED)
        elif kind == "setup":
            step, status, codes = cause
            if _streak(config, ("setup", step, status, codes)) >= SETUP_STOP_AFTER:
                config.stash[_STOP] = _setup_stop(config.stash[SETTINGS], (step, status, codes), SETUP_STOP_AFTER)
        elif kind == "refusal":
            # A valid request refused, the same way, test after test: a verdict each time (the operation refuses
            # what its documents accept), but the cause is one: most often an identity of the profile the target
            # does not accept (no read can check customers, users, drivers), so more tests would only repeat it.
            operation, status, codes = cause
            if _streak(config, ("refusal", operation, status, codes)) >= SETUP_STOP_AFTER:
                config.stash[_STOP] = (
                    f"the target refused the valid request of {SETUP_STOP_AFTER} acceptance tests in a row "
                    f"({operation} answered HTTP {status}{' ' + codes if codes else ''}): a profile identity it does "
                    "not accept (customer, users, drivers, vehicle, transport option)? The failures above show the "
                    "requests", pytest.ExitCode.TESTS_FAILED)
        else:
            # A setup the target let through breaks the row of refused setups (a test with none breaks nothing:
            # under xdist the reports of other workers' tests arrive in between); a refused valid request's row
            # only an acceptance test that ended otherwise breaks.
            streaks = config.stash.setdefault(_STREAK, {})
            if kind == "prepared":
                streaks.pop("setup", None)
            if "::test_acceptance[" in report.nodeid:
                streaks.pop("refusal", None)
        run = _xdist_run(config)
        if _STOP in config.stash and run:
            _stop_file(run).write_text(config.stash[_STOP][0], encoding="utf-8")  # the workers start no more tests


def _streak(config: pytest.Config, cause: tuple) -> int:
    """How many tests in a row ended with this same cause (its first item is its kind), this one included."""
    streaks = config.stash.setdefault(_STREAK, {})
    last, times = streaks.get(cause[0], ((), 0))
    times = times + 1 if cause == last else 1
    streaks[cause[0]] = (cause, times)
    return times


_RECEIVED = re.compile(r"^HTTP (\d{3})\b")
_ERROR_CODE = re.compile(r'"errorCode"\s*:\s*"([^"]+)"')


def _refusal(exc: NonConformance) -> tuple[str, int, str] | None:
    """(operation, status, errorCodes) of a 4xx answer to a valid request, from the failure's `received`."""
    m = _RECEIVED.match(exc.received or "")
    if m is None or not 400 <= int(m.group(1)) < 500:
        return None
    return exc.operation or "", int(m.group(1)), ",".join(_ERROR_CODE.findall(exc.received or "")) or ""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Stop before the next test once something said so (after the previous test's teardown). An xdist worker
    runs no more tests once its controller said so; the controller stops the run when they are done."""
    stop = item.config.stash.get(_STOP, None)
    if stop is not None:
        pytest.exit(stop[0], returncode=stop[1])
    run = getattr(item.config, "workerinput", {}).get("testrunuid")
    if run and _stop_file(run).exists():
        return True  # not run: no report, as after the stop of a run in one process
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    """The xdist controller stops the run as one process would, once its workers have finished their tests."""
    try:
        return (yield)
    finally:
        stop = session.config.stash.get(_STOP, None)
        if stop is not None and _xdist_run(session.config):
            pytest.exit(stop[0], returncode=stop[1])


def _xdist_run(config: pytest.Config) -> str | None:
    """The xdist run's id on its controller, else None."""
    if hasattr(config, "workerinput"):
        return None
    return getattr(getattr(config.pluginmanager.get_plugin("dsession"), "nodemanager", None), "testrunuid", None)


def _stop_file(run: str) -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"pnd-stop-{run}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The xdist controller removes the budget counter and the stop its workers shared (they have all finished)."""
    run = _xdist_run(session.config)
    if run:
        _shared_budget(run).unlink(missing_ok=True)
        _stop_file(run).unlink(missing_ok=True)
