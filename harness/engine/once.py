"""Do-once caches for work shared by many checks (a scenario's restore, its boot), safe when
several threads ask at once: the first caller computes, the others wait and get the same value,
or the same exception re-raised (a restore is never retried within a run)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Once:
    """``get(key, compute)``: compute once per key; later calls return the value or re-raise the error."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, threading.Lock] = {}
        self._done: dict[str, Any] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            key_lock = self._keys.setdefault(key, threading.Lock())
        with key_lock:
            if key in self._done:
                return self._unwrap(self._done[key])
            try:
                value = compute()
            except Exception as exc:
                self._done[key] = _Failed(exc)
                raise
            self._done[key] = value
            return value

    def __contains__(self, key: str) -> bool:
        return key in self._done

    def values(self) -> Iterator[Any]:
        """Values computed so far (failures left out)."""
        return iter([v for v in list(self._done.values()) if not isinstance(v, _Failed)])

    @staticmethod
    def _unwrap(value: Any) -> Any:
        if isinstance(value, _Failed):
            raise value.exc
        return value
