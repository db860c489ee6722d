"""The JUnit XML of a run, annotated with its verdict (pytest writes the file; this adds the verdict as properties)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from contract_tests.model.verdict import Verdict

__all__ = ["JUNIT", "annotate"]

JUNIT = "contract-junit.xml"


def annotate(path: Path, verdict: Verdict) -> None:
    """Put the verdict into the JUnit XML as test-suite properties, so that it says what the summary says."""
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return
    root = tree.getroot()
    for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
        properties = suite.find("properties")
        if properties is None:
            properties = ElementTree.Element("properties")
            suite.insert(0, properties)
        values = {
            "contract_verdict": verdict.word,
            "contract_exit_status": str(verdict.exit_status),
            "contract_root_causes": str(len(verdict.new_causes)),
            "contract_known_root_causes": str(len(verdict.causes) - len(verdict.new_causes)),
            "contract_incomplete_areas": ", ".join(verdict.incomplete_areas),
            "contract_not_verifiable": ", ".join(", ".join(item.fields) for item in verdict.not_verifiable),
        }
        for name, value in values.items():
            ElementTree.SubElement(properties, "property", name=name, value=value)
        for cause in verdict.causes:
            ElementTree.SubElement(properties, "property", name="contract_root_cause", value=cause.key)
    tree.write(path, encoding="utf-8", xml_declaration=True)
