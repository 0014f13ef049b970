"""Scratch arrays kept from one call to the next (:class:`Workspace`).

The fast path (:mod:`ipsrt.rhythm.nonparametric_many`) runs the same
computation on chunk after chunk of subjects; its large temporaries live in
one workspace, so that they are written into memory already mapped instead
of being mapped and faulted in afresh by the system allocator each time.
"""

from __future__ import annotations

import math

import numpy as np

from ipsrt.rhythm.epochs import FloatArray

__all__ = ["Workspace"]


class Workspace:
    """Scratch arrays kept from one call to the next, by name (grown when too small).

    A caller that runs the same computation on batch after batch passes one
    workspace to every call, so that the large temporaries are written into
    memory already mapped instead of being mapped (and faulted in) afresh
    each time. What a function returns may be a view of the workspace: it is
    valid until the next call that uses the same workspace.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, FloatArray] = {}

    def array(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        """An uninitialised float64 array of *shape* in the buffer called *name*."""
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size:
            buf = self._buffers[name] = np.empty(size)
        return buf[:size].reshape(shape)
