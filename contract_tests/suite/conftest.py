"""Fixtures and Hypothesis settings of a contract run (started by `python -m contract_tests`).

The run's context comes from pytest itself (`config.context_of`: the runner's `ContextPlugin`, or a pytest-xdist
worker's `workerinput`), never from an import: these modules read nothing of the run when they are imported. What
must be settled before the tests are built is settled as they are collected: a module's `configure_run(context)`
(the Schemathesis schema's target and profile) and a test's `time_limit` marker (its pytest-timeout).

Each test's record (`observations.Observations`) is made by `TestRecording` and kept in the test's stash; the `seen`
fixture hands it to the test, and `api` and `example` are bound to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from contract_tests.config import Context, Example, context_of
from contract_tests.engine.plugin import RECORD, TestRecording
from contract_tests.generate.strategies import Requests
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

CONFIGURE_RUN = "configure_run"
"""A suite module's function that settles what its tests are built from, given the run's context."""
TIME_LIMIT = "time_limit"


def pytest_configure(config: pytest.Config) -> None:
    """The Hypothesis profile of the run's profile; record every test (in each pytest-xdist worker, or in the one
    process)."""
    context = context_of(config)
    profile = context.profile
    settings.register_profile(
        "contract",
        max_examples=profile.property_examples,
        derandomize=profile.derandomize,
        database=None if profile.derandomize else DirectoryBasedExampleDatabase(".hypothesis/contract"),
        deadline=None,
        print_blob=False,
        # Explaining a failure replays it many times against the target: too slow and too noisy here.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    settings.load_profile("contract")
    config.pluginmanager.register(TestRecording(context), "contract-recording")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """A module's `configure_run(context)`, called once the module is imported (its names are offered here first),
    before any of its tests is built."""
    if name == CONFIGURE_RUN and isinstance(collector, pytest.Module) and callable(obj):
        obj(context_of(collector.config))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test's `time_limit(seconds_of)` marker becomes its pytest-timeout: `seconds_of(context)`."""
    for item in items:
        marker = item.get_closest_marker(TIME_LIMIT)
        if marker is not None:
            item.add_marker(pytest.mark.timeout(marker.args[0](context_of(config))))


@pytest.fixture(scope="session")
def context(pytestconfig: pytest.Config) -> Context:
    """The target and profile of this run."""
    return context_of(pytestconfig)


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The spec."""
    return Spec.load()


@pytest.fixture
def seen(request: pytest.FixtureRequest) -> Observations:
    """This test's record: its violations, what it could not verify, its examples, runs and coverage."""
    record: Observations = request.node.stash[RECORD]
    return record


@pytest.fixture(scope="session")
def session_api(context: Context, spec: Spec) -> Iterator[Api]:
    """Recording HTTP access to the target, for the whole run (the runs it starts are canceled by the runner at the
    end of the run, `contract_tests.engine.cleanup`); tests get it bound to their record (`api`)."""
    paths = {operation_id: spec.operation(operation_id)[0] for operation_id in spec.operation_ids()}
    client = Api(
        context.base_url,
        api_key=context.api_key,
        key_header=spec.api_key_header(),
        paths=paths,
        recorder=context.recorder,
        budget=context.check_budget,
        timeout=context.profile.request_timeout,
        known_values=context.known_values,
        minimal_body={"workflow_id": context.workflow_id},
        sink_url=context.sink_url,
        admit_run=context.admit_run,
    )
    yield client
    client.close()


@pytest.fixture
def api(session_api: Api, seen: Observations) -> Api:
    """Recording HTTP access to the target for this test: its budget, run cap share and isolation trials are the
    test's (`Api.for_test`)."""
    return session_api.for_test(seen)


@pytest.fixture(scope="session")
def bodies(context: Context, spec: Spec) -> Requests:
    """Strategies of valid request bodies for this target."""
    return Requests(spec, context.workflow_id, context.workflow_parameters, context.sink_url, context.null_only_fields)


@pytest.fixture
def example(context: Context, seen: Observations) -> Example:
    """`with example():` around one example: paces the test (see `Observations.pace`), starts a new chain of
    exchanges, and records a violation that escapes the block (with that chain) instead of ending the test."""

    @contextlib.contextmanager
    def one_example() -> Iterator[None]:
        seen.pace()
        context.recorder.reset()
        try:
            with seen.soft():
                yield
        finally:
            seen.examples += 1

    return one_example
