"""The C heap this process has in use, as glibc's allocator counts it.

``mallinfo2()`` sums every arena's allocated chunks (``uordblks``) and, apart,
the chunks too large for an arena that it maps on their own (``hblkhd``); their
sum is every byte malloc has handed out and not had back, each chunk with its
header and rounding, as a canister's allocator hands out its heap. Taken before
and after a step in one thread of a fresh process, the difference is what the
step left allocated: transient allocations freed within it do not count, and
neither does Python's own small-object memory (pymalloc maps its arenas
without malloc). glibc only (Linux); None elsewhere.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Optional


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo2() -> Optional[ctypes._CFuncPtr]:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    function = getattr(ctypes.CDLL(name), "mallinfo2", None)
    if function is not None:
        function.restype = _Mallinfo2
        function.argtypes = []
    return function


_MALLINFO2 = _mallinfo2()


def available() -> bool:
    return _MALLINFO2 is not None


def heap_in_use() -> int:
    """Bytes malloc has handed out and not had back (arena and mapped chunks)."""
    if _MALLINFO2 is None:
        raise RuntimeError("glibc's mallinfo2 is not available: the heap cannot be measured")
    info = _MALLINFO2()
    return int(info.uordblks + info.hblkhd)
