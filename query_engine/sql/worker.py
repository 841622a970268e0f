"""A query worker: a child process that runs guarded statements on locked DuckDB connections.

It caps its own address space before it imports DuckDB, then answers requests one at a time over its
standard streams: a request names the database, its settings, the statement and the limits; the reply is
the rows as Arrow IPC, or the error for the analyst. The server kills it at the deadline, and whatever a
statement does to this process's memory, the server's stays its own.
"""
from __future__ import annotations

import io
import json
import os
import struct
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

HEADER = struct.Struct(">IQ")  # JSON header length, body length
MAX_RESULT_BYTES = 64 * 1024 * 1024
CACHED_CONNECTIONS = 4  # each open DuckDB costs address space (~80 MB, the first ~770 MB) under the cap


def write_frame(stream: BinaryIO, header: dict[str, Any], body: bytes = b"") -> None:
    """One message: the two lengths, a JSON header, then an optional binary body."""
    head = json.dumps(header).encode("utf-8")
    stream.write(HEADER.pack(len(head), len(body)) + head + body)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    """The next message from a stream, or None at its end."""
    lengths = stream.read(HEADER.size)
    if len(lengths) < HEADER.size:
        return None
    head_len, body_len = HEADER.unpack(lengths)
    head = stream.read(head_len)
    body = stream.read(body_len) if body_len else b""
    return json.loads(head.decode("utf-8")), body


class _Connections:
    """Open locked connections by database file and settings; a replaced file gets a fresh connection."""

    def __init__(self) -> None:
        self._open: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, database: str, config: dict[str, Any]) -> Any:
        from query_engine.sql.executor import open_connection

        path = Path(database)
        try:
            stat = path.stat()
            identity: tuple[Any, ...] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            identity = ()
        key = (database, identity, json.dumps(config, sort_keys=True))
        if key in self._open:
            self._open.move_to_end(key)
            return self._open[key]
        self._forget(database)
        temp_dir = Path(config["temp_dir"]) if config.get("temp_dir") else None
        con = open_connection(path, memory_limit=config["memory_limit"], threads=int(config["threads"]),
                              temp_dir=temp_dir)
        self._open[key] = con
        while len(self._open) > CACHED_CONNECTIONS:
            self._open.popitem(last=False)[1].close()
        return con

    def postgres(self, url: str) -> Any:
        """A read-only PostgreSQL session for `url`, reopened when the last one broke."""
        from query_engine.sql import postgres as postgres_backend

        key = ("postgres", url)
        con = self._open.get(key)
        if con is None or con.closed or con.broken:
            con = self._open[key] = postgres_backend.connect(url)
        return con

    def _forget(self, database: str) -> None:
        for key in [k for k in self._open if k[0] == database]:
            self._open.pop(key).close()


def _answer(request: dict[str, Any], connections: _Connections) -> tuple[dict[str, Any], bytes]:
    import pyarrow as pa

    from query_engine.sql.bounded_process import set_cpu_allowance
    from query_engine.sql.executor import run_statement

    config = request["config"]
    set_cpu_allowance(float(request["time_limit_s"]) * max(1, int(config["threads"])) + 2)
    if request.get("engine") == "postgres":
        table, truncated, elapsed_ms = _postgres(request, connections)
    else:
        con = connections.get(request["database"], config)
        table, truncated, elapsed_ms = run_statement(con, request["sql"],
                                                     time_limit_s=float(request["time_limit_s"]),
                                                     row_cap=int(request["row_cap"]))
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    body = sink.getvalue()
    if len(body) > MAX_RESULT_BYTES:
        from query_engine.errors import ResourceLimit

        raise ResourceLimit(f"The result is {len(body) / 2**20:,.0f} MB, more than Clarify shows "
                            f"({MAX_RESULT_BYTES // 2**20} MB).", hint="Return fewer rows or shorter values.")
    return {"ok": True, "truncated": truncated, "elapsed_ms": elapsed_ms}, body


def _postgres(request: dict[str, Any], connections: _Connections) -> tuple[Any, bool, float]:
    from query_engine.sql import postgres as postgres_backend
    from query_engine.sql.executor import arrow_from_result

    result = postgres_backend.run_statement(connections.postgres(request["url"]), request["sql"],
                                            time_limit_s=float(request["time_limit_s"]),
                                            row_cap=int(request["row_cap"]))
    return arrow_from_result(result), result.truncated, result.elapsed_ms


def serve(stdin: BinaryIO, stdout: BinaryIO, memory_bytes: int) -> int:
    """Apply the memory cap, say ready, then answer requests until the stream ends."""
    from query_engine.errors import ClarifyError
    from query_engine.sql.bounded_process import apply_limits, error_payload

    if memory_bytes:
        apply_limits(memory_bytes)
    import duckdb  # noqa: F401  (loaded once, before the first request, so requests pay nothing for it)
    import pyarrow  # noqa: F401

    write_frame(stdout, {"ready": True, "pid": os.getpid()})
    connections = _Connections()
    while (message := read_frame(stdin)) is not None:
        request, _ = message
        try:
            header, body = _answer(request, connections)
        except BaseException as exc:  # noqa: BLE001 - every failure is a reply; the loop must survive
            error = _as_clarify(exc)
            # after a memory failure or a surprise the heap may be left fragmented: answer, then let a fresh
            # worker take over
            recycle = not isinstance(error, ClarifyError) or type(error).__name__ == "ResourceLimit"
            header, body = {"ok": False, "error": error_payload(error), "recycle": recycle}, b""
        write_frame(stdout, header, body)
    return 0


def _as_clarify(exc: BaseException) -> BaseException:
    import duckdb

    from query_engine.errors import ResourceLimit

    text = str(exc).lower()
    if isinstance(exc, (MemoryError, duckdb.OutOfMemoryException)) or (
            isinstance(exc, (RuntimeError, duckdb.Error)) and ("alloc" in text or "out of memory" in text)):
        return ResourceLimit("The query needed more memory than Clarify allows and was stopped; nothing else was "
                             "affected.", hint="Narrow the date range, group by fewer things, or return fewer rows.")
    return exc


def _main() -> int:
    # The protocol gets a private copy of stdout; anything a library prints goes to stderr instead.
    protocol = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return serve(sys.stdin.buffer, protocol, int(sys.argv[1]) if len(sys.argv) > 1 else 0)


if __name__ == "__main__":
    raise SystemExit(_main())
