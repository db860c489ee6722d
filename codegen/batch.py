"""A generation is a batch job: the garbage collector's thresholds while it runs.

datamodel-code-generator, the loaded spec and the IR make millions of small objects that live until the generation
ends. At Python's default threshold (a collection every 700 net allocations) the collector walks them again and
again: about a tenth of the time of a large spec's model parts. Collections still run, 70 times less often.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLD = (50_000, 20, 100)


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """The batch thresholds inside, the previous ones restored after."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def start_worker() -> None:
    """In a worker process, once it has imported what it needs: what it holds by then (the forked parent's objects,
    the modules) is never collected (nor touched, so the parent's memory stays shared), then the batch thresholds."""
    gc.freeze()
    gc.set_threshold(*THRESHOLD)
