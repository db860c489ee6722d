"""What one test sends from the process that ran it to the controller, on its pytest report (`report.contract`).

pytest-xdist carries a report's extra attributes only as JSON-able values, so a `TestRecord` travels as its
`to_json()` and is read back with `from_json`; in a run without workers the same round trip happens in one process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from contract_tests.model.findings import Finding, Unverifiable
from contract_tests.record.coverage import Coverage

__all__ = ["ATTRIBUTE", "TestRecord"]

ATTRIBUTE = "contract"
"""The report attribute a record travels in."""


@dataclass(frozen=True, slots=True)
class TestRecord:
    """One phase of one test (its `call`, or the setup or teardown that failed or skipped it).

    Attributes:
        area: the area the test judges ("" when it declares none).
        when: the phase (`setup`, `call`, `teardown`).
        examples: how many examples it ran; `truncated`/`cut`: whether and why it was cut short.
        requests: requests it sent; `runs`: the runs it started.
        findings: its violations, with their reproductions; `coverage`: what it exercised.
        unverifiable: what it could not judge on this target.
        error: why it broke (not a contract violation), "" when it did not; `reason`: why it was skipped.
    """

    __test__ = False

    area: str
    when: str
    examples: int = 0
    truncated: bool = False
    cut: str = ""
    requests: int = 0
    runs: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    coverage: Coverage = field(default_factory=Coverage)
    unverifiable: tuple[Unverifiable, ...] = ()
    error: str = ""
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "when": self.when,
            "examples": self.examples,
            "truncated": self.truncated,
            "cut": self.cut,
            "requests": self.requests,
            "runs": list(self.runs),
            "findings": [finding.to_json() for finding in self.findings],
            "coverage": self.coverage.to_json(),
            "unverifiable": [asdict(item) for item in self.unverifiable],
            "error": self.error,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestRecord:
        return cls(
            area=str(data["area"]),
            when=str(data["when"]),
            examples=int(data["examples"]),
            truncated=bool(data["truncated"]),
            cut=str(data["cut"]),
            requests=int(data["requests"]),
            runs=tuple(data["runs"]),
            findings=tuple(Finding.from_json(item) for item in data["findings"]),
            coverage=Coverage.from_json(data["coverage"]),
            unverifiable=tuple(
                Unverifiable(tuple(item["fields"]), item["detail"], item["setting"], item["test"], item["reproduction"])
                for item in data["unverifiable"]
            ),
            error=str(data["error"]),
            reason=str(data["reason"]),
        )
