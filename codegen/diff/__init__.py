"""Spec comparison: what changed between two OpenAPI documents for a user of the client generated from the first.

`changes` holds the vocabulary (levels, sides, the `Change` record), `schemas` compares two schemas on one side of a
call, `operations` matches and compares the operations of two documents, `command` is `python -m codegen diff`.
The contract suite's drift report (the spec against the document a server serves) uses the same comparison.
"""

from codegen.diff.changes import Change, Level, Place, Side
from codegen.diff.command import diff_files, view_of
from codegen.diff.operations import compare

__all__ = ["Change", "Level", "Place", "Side", "compare", "diff_files", "view_of"]
