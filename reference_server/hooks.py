"""Where a fault can change what the server does: the hooks of `Fault`, each of whose defaults is what a faithful
server does, and `ReadBody`, what a request's body is read as.

The faults themselves (`Fault` subclasses, one per name) are in `reference_server.breaks`; `FaultSet`, which calls
these hooks for the faults a server has switched on, is in `reference_server.faults`. This module knows no fault.

Example:
    >>> Fault().error_detail(422, [{"type": "missing"}])
    [{'type': 'missing'}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from reference_server.store import RunRecord, Store

__all__ = ["HOOKS", "Error", "Fault", "ReadBody", "errors_without"]

Error = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReadBody:
    """A request body as the server reads it.

    Attributes:
        errors: the validation errors that remain.
        body: the body to parse with the generated model (coerced values in place, lax objects taken out).
        echo: values for `run_request` that the generated model cannot carry, by field.
    """

    errors: list[Error]
    body: Any
    echo: dict[str, Any] = field(default_factory=dict)


class Fault:
    """One contract break: `name`, `description` (the promise it breaks) and the hooks it overrides.

    Every hook of this base class is what a faithful server does, so a fault overrides only the hooks it breaks.
    Hooks that transform a value are applied in the order of the faults' names; the store hooks (`insert`, `find`,
    `cancel`) are taken from the first fault that overrides them.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    registry: ClassVar[dict[str, type[Fault]]] = {}
    """Every fault, by name (a subclass registers itself)."""
    raw_echo: ClassVar[bool] = False
    """Whether its `run_request` may be something the generated model would not parse (then served as stored)."""

    def __init_subclass__(cls) -> None:
        Fault.registry[cls.name] = cls

    def auth_status(self, status: int | None) -> int | None:
        """The status to deny a request with (None: serve it), given the faithful one (403 or None)."""
        return status

    def read_body(self, sent: Any, read: ReadBody) -> ReadBody:
        """How the body `sent` is read, given how it has been read so far."""
        return read

    def on_request(self, body: dict[str, Any]) -> None:
        """Called with a body that passed validation, before it is parsed."""

    def shape_echo(self, echo: dict[str, Any], body: Mapping[str, Any], title: str) -> dict[str, Any]:
        """The `run_request` a new run keeps, given the echo of `body` and the workflow's title."""
        return echo

    def shape_run(self, body: dict[str, Any], *, read: bool) -> None:
        """Change a run's JSON in place (`read`: a GET or a webhook, not the POST that created it)."""

    def cancel_answer(self, answer: Any) -> Any:
        """The body of a cancel's 200."""
        return answer

    def content_type(self, value: str) -> str:
        """The content type of a JSON answer."""
        return value

    def error_detail(self, status: int, detail: Any) -> Any:
        """The `detail` of an error answer."""
        return detail

    def webhook_key(self, key: str) -> str:
        """The key webhook deliveries are signed with, given the faithful one (the API key)."""
        return key

    def webhook_state(self, state: str | None) -> str | None:
        """A new run's webhook state (`pending`: deliver when it ends; None: no webhook), given the faithful one."""
        return state

    def insert(self, store: Store, record: RunRecord) -> RunRecord:
        """Store a new run."""
        return store.insert(record)

    def find(self, store: Store, run_id: str) -> RunRecord | None:
        """The stored run, or None."""
        return store.get(run_id)

    def cancel(self, store: Store, run_id: str, now: float) -> None:
        """Cancel a run (a terminal one keeps its status)."""
        store.cancel(run_id, now)


def _at(error: Error, name: str) -> bool:
    return list(error.get("loc", [])[:2]) == ["body", name]


def errors_without(errors: list[Error], names: Iterable[str]) -> list[Error]:
    """The errors that are not about one of the body fields `names`."""
    names = list(names)
    return [error for error in errors if not any(_at(error, name) for name in names)]


HOOKS = tuple(name for name, value in vars(Fault).items() if callable(value) and not name.startswith("_"))
"""The names of the hooks, in the order they are declared."""
