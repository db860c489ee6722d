"""Fixtures and Hypothesis settings of a contract run (started by `python -m contract_tests`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from contract_tests.config import Context, Example, current
from contract_tests.engine.plugin import TestRecording
from contract_tests.generate.strategies import Requests
from contract_tests.record import observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

_CONTEXT = current()
_PROFILE = _CONTEXT.profile

settings.register_profile(
    "contract",
    max_examples=_PROFILE.property_examples,
    derandomize=_PROFILE.derandomize,
    database=None if _PROFILE.derandomize else DirectoryBasedExampleDatabase(".hypothesis/contract"),
    deadline=None,
    print_blob=False,
    # Explaining a failure replays it many times against the target: too slow and too noisy here.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.load_profile("contract")


def pytest_configure(config: pytest.Config) -> None:
    """Record every test of the run (in each pytest-xdist worker, or in the one process)."""
    config.pluginmanager.register(TestRecording(_CONTEXT), "contract-recording")


@pytest.fixture(scope="session")
def context() -> Context:
    """The target and profile of this run."""
    return _CONTEXT


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The spec."""
    return Spec.load()


@pytest.fixture(scope="session")
def api(context: Context, spec: Spec) -> Iterator[Api]:
    """Recording HTTP access to the target (the runs it starts are canceled by the runner at the end of the run,
    `contract_tests.engine.cleanup`)."""
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


@pytest.fixture(scope="session")
def bodies(context: Context, spec: Spec) -> Requests:
    """Strategies of valid request bodies for this target."""
    return Requests(spec, context.workflow_id, context.workflow_parameters, context.sink_url, context.null_only_fields)


@pytest.fixture(scope="session")
def example(context: Context) -> Example:
    """`with example():` around one example: paces the test (see `observations.pace`), starts a new chain of
    exchanges, and records a violation that escapes the block (with that chain) instead of ending the test."""

    @contextlib.contextmanager
    def one_example() -> Iterator[None]:
        observations.pace()
        context.recorder.reset()
        try:
            with observations.soft():
                yield
        finally:
            seen = observations.active()
            if seen is not None:
                seen.examples += 1

    return one_example
