"""Giving the memory freed after a job back to the system.

A large piece of work leaves glibc's heap full of holes that it keeps for reuse: the bulk
article door parsed a 27 MB request (20,000 articles) into some 280 MB of small objects, and
its gunicorn worker stayed 210 MB larger for the rest of its life (bench/soak.py); a job does
the same to a Celery worker's process. `malloc_trim(0)` hands the free pages back (on that
request: 270 MB -> 99 MB), after every job. Python's own arenas keep the rest, so a gunicorn
worker that took such a request is replaced instead (config/gunicorn.py), and so is a pool
process past WORKER_MAX_MEMORY_MB. A no-op where the C library is not glibc.
"""

import ctypes
import gc
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl, macOS, Windows: nothing to call
        return None


_MALLOC_TRIM = _malloc_trim()


def freed_memory_release() -> bool:
    """Collect cycles, then return the allocator's free pages to the system; whether it could."""
    gc.collect()
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True
