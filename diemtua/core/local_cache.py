"""A small in-process cache for values that do not pickle (so cannot go to Redis).

Least recently used entries go first; entries also expire. Thread-safe (gunicorn's gthread
workers serve several requests per process at once). Put a version in the key when the value
must follow changes made by other processes: this cache is never told about them.
"""

import threading
import time
from collections import OrderedDict


class LocalCache:
    def __init__(self, *, max_entries: int, seconds: float):
        self.max_entries = max_entries
        self.seconds = seconds
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key, value) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
