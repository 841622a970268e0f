"""A small in-process LRU cache of identical calls (litellm's local cache crashes on a hit in 1.110.2)."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

V = TypeVar("V")


def call_key(task: str, models: tuple[str, ...], messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """A digest of everything that makes two calls identical: task, models, messages and params."""
    payload = json.dumps([task, list(models), messages, params], sort_keys=True, default=_stable)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _stable(value: Any) -> Any:
    # A pydantic response_format class is identified by its JSON schema, not its memory address.
    schema = getattr(value, "model_json_schema", None)
    if isinstance(value, type) and callable(schema):
        return {"schema_of": f"{value.__module__}.{value.__qualname__}", "schema": schema()}
    return repr(value)


class ResponseCache(Generic[V]):
    """Thread-safe LRU map from call key to reply; size 0 disables it."""

    def __init__(self, size: int) -> None:
        self.size = max(int(size), 0)
        self._items: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The cached reply for `key`, marking it recently used, or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: V) -> None:
        """Remember a reply, evicting the least recently used beyond the size."""
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every reply."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
