"""Warm worker processes that run every analyst-facing DuckDB query under OS limits.

Each worker (`sql/worker.py`) caps its address space (RLIMIT_AS) and its CPU seconds per query, and
interrupts its own query at the time limit. The server waits at most the time limit plus a short grace;
then it kills the worker's process group and starts a fresh one in the background. A statement that
exhausts memory kills only its worker. Results come back as Arrow.
"""
from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from query_engine.errors import ClarifyError, QueryFailed, QueryTimeout
from query_engine.settings import DEFAULTS
from query_engine.spec.query import QueryResult
from query_engine.sql.bounded_process import (
    KILL_GRACE_S,
    death_reason,
    parse_size,
    python_command,
    rebuild_error,
)
from query_engine.sql.guard import GuardedSql
from query_engine.sql.worker import HEADER, MAX_RESULT_BYTES, write_frame

START_TIMEOUT_S = 60.0


class _WorkerDied(Exception):
    """The worker's process ended (or was killed) before it replied."""


class _Worker:
    """One child process and its pipes; used by one thread at a time."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self.proc = subprocess.Popen(
            [*python_command("query_engine.sql.worker"), str(memory_bytes)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
            bufsize=0)
        self._out = self.proc.stdout.fileno()  # type: ignore[union-attr]
        header, _ = self._read(time.monotonic() + START_TIMEOUT_S)
        if not header.get("ready"):
            self.kill()
            raise QueryFailed("A query worker did not start.", hint="Try again; restart Clarify if it persists.")

    def ask(self, request: dict[str, Any], deadline: float) -> tuple[dict[str, Any], bytes]:
        """Send one request and wait for its reply until `deadline` (time.monotonic)."""
        try:
            write_frame(self.proc.stdin, request)  # type: ignore[arg-type]
        except (BrokenPipeError, OSError):
            raise _WorkerDied from None
        return self._read(deadline)

    def _read(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        import json

        head_len, body_len = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        if head_len > 1 << 20 or body_len > MAX_RESULT_BYTES:
            self.kill()
            raise _WorkerDied
        header = json.loads(self._read_exact(head_len, deadline).decode("utf-8"))
        return header, self._read_exact(body_len, deadline) if body_len else b""

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._out], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._out, min(size - len(chunks), 1 << 20))
            if not chunk:
                raise _WorkerDied
            chunks += chunk
        return bytes(chunks)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def kill(self) -> int:
        """End the worker's whole process group now; its exit status."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        code = self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        return code


class WorkerPool:
    """Up to `size` warm workers sharing one memory cap; a caller waits when all are busy."""

    def __init__(self, memory_bytes: int, size: int = 2) -> None:
        self.memory_bytes, self.size = memory_bytes, max(1, size)
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._cond = threading.Condition()
        self.warm()

    def warm(self) -> None:
        """Start a worker in the background when none is idle, so the next query does not wait for one."""
        with self._cond:
            if self._idle or self._count >= self.size or self._closed:
                return
            self._count += 1
        threading.Thread(target=self._start_idle, daemon=True).start()

    def _start_idle(self) -> None:
        try:
            worker = _Worker(self.memory_bytes)
        except (ClarifyError, OSError, TimeoutError, _WorkerDied):
            with self._cond:
                self._count -= 1
                self._cond.notify_all()
            return
        self._release(worker, healthy=True)

    def run(self, request: dict[str, Any], time_limit_s: float) -> tuple[dict[str, Any], bytes]:
        """A worker's reply to one request; the worker is killed and replaced if it misses the deadline."""
        worker = self._acquire()
        deadline = time.monotonic() + time_limit_s + KILL_GRACE_S
        try:
            reply = worker.ask(request, deadline)
        except TimeoutError:
            worker.kill()
            self._release(worker, healthy=False)
            raise QueryTimeout(f"The query ran longer than {time_limit_s:g} s and was stopped.",
                               hint="Narrow the date range or group by fewer things.") from None
        except _WorkerDied:
            code = worker.kill()
            self._release(worker, healthy=False)
            raise death_reason(code, memory_bytes=self.memory_bytes, time_limit_s=time_limit_s,
                               what="the query") from None
        self._release(worker, healthy=not reply[0].get("recycle"))
        return reply

    def _acquire(self) -> _Worker:
        while True:
            with self._cond:
                while not self._idle and self._count >= self.size:
                    self._cond.wait()
                worker = self._idle.pop() if self._idle else None
                if worker is None:
                    self._count += 1
                elif worker.alive():
                    return worker
                else:
                    self._count -= 1
            if worker is not None:
                worker.kill()  # it died while idle: reap it and look again
                continue
            try:
                return _Worker(self.memory_bytes)
            except BaseException:
                with self._cond:
                    self._count -= 1
                    self._cond.notify_all()
                raise

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        with self._cond:
            if healthy and worker.alive() and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
                if worker.alive():
                    worker.kill()
            self._cond.notify_all()
        if not healthy:
            self.warm()

    def close(self) -> None:
        """Stop every idle worker; busy ones stop when they are released."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_POOLS: dict[tuple[int, int], WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(memory_bytes: int, size: int) -> WorkerPool:
    """The process-wide pool for these limits (every dataset and page shares its warm workers)."""
    with _POOLS_LOCK:
        pool = _POOLS.get((memory_bytes, size))
        if pool is None or pool._closed:
            pool = _POOLS[(memory_bytes, size)] = WorkerPool(memory_bytes, size)
        return pool


@atexit.register
def _close_pools() -> None:
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.close()


@dataclass(frozen=True)
class IsolatedDuckDB:
    """Runs guarded statements on one DuckDB file in the shared worker pool."""

    database: Path
    memory_limit: str = DEFAULTS["memory_limit"]
    threads: int = DEFAULTS["threads"]
    worker_memory: str = DEFAULTS["worker_memory"]
    workers: int = DEFAULTS["workers"]
    temp_dir: Path | None = None

    def __post_init__(self) -> None:
        self.pool.warm()

    @property
    def pool(self) -> WorkerPool:
        """The warm workers this database's queries run in."""
        return shared_pool(parse_size(self.worker_memory), self.workers)

    def __call__(self, guarded: GuardedSql | str, *, time_limit_s: float = DEFAULTS["time_limit_s"],
                 row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
        """Run one guarded statement in a worker; the same QueryResult the in-process executor gives."""
        sql = guarded.sql if isinstance(guarded, GuardedSql) else guarded
        config = {"memory_limit": self.memory_limit, "threads": self.threads,
                  "temp_dir": str(self.temp_dir) if self.temp_dir else ""}
        request = {"database": str(self.database), "config": config, "sql": sql,
                   "time_limit_s": time_limit_s, "row_cap": row_cap}
        return ask_pool(self.pool, request, time_limit_s)


@dataclass(frozen=True)
class IsolatedPostgres:
    """Runs guarded statements on a PostgreSQL database from the shared worker pool, so a result can take only
    a worker's memory. The guard and the transpiling happen here; the worker runs the checked text."""

    url: str = field(repr=False)  # holds the password: never shown
    worker_memory: str = DEFAULTS["worker_memory"]
    workers: int = DEFAULTS["workers"]

    def __post_init__(self) -> None:
        self.pool.warm()

    @property
    def pool(self) -> WorkerPool:
        """The warm workers these queries run in."""
        return shared_pool(parse_size(self.worker_memory), self.workers)

    def __call__(self, guarded: GuardedSql, *, time_limit_s: float = DEFAULTS["time_limit_s"],
                 row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
        """Transpile, check and run one guarded statement in a worker."""
        from query_engine.sql.postgres import to_postgres

        request = {"engine": "postgres", "url": self.url, "sql": to_postgres(guarded), "config": {"threads": 1},
                   "time_limit_s": time_limit_s, "row_cap": row_cap}
        return ask_pool(self.pool, request, time_limit_s)


def ask_pool(pool: WorkerPool, request: dict[str, Any], time_limit_s: float) -> QueryResult:
    """A worker's answer to one request, as a QueryResult, or the error it reported."""
    import pyarrow as pa

    from query_engine.sql.executor import result_from_arrow

    header, body = pool.run(request, time_limit_s)
    if not header.get("ok"):
        raise rebuild_error(header.get("error") or {})
    table = pa.ipc.open_stream(body).read_all()
    return result_from_arrow(table, truncated=bool(header["truncated"]), elapsed_ms=float(header["elapsed_ms"]))
