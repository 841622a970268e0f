"""Child processes with OS limits: an address-space cap, CPU seconds, and a hard kill at the deadline.

The server never runs work that an analyst's input can make unbounded in its own process. Queries go to
warm workers (`worker_pool`); one-off heavy work, such as loading an upload, runs here as a bounded call:
a fresh Python process that applies its limits first, runs one registered task, prints one JSON object and
exits. Whatever the task does, the server's memory is untouched and the wait ends at the deadline.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from query_engine import errors

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KILL_GRACE_S = 0.5  # after the deadline, how long a child may take to report before it is killed
MAX_REPLY_BYTES = 64 * 1024 * 1024

# task name -> "module:function"; the function takes the payload's keys as keyword arguments and returns
# something JSON can carry. Only these run in a bounded call.
TASKS: dict[str, str] = {
    "ingest": "query_engine.datasets.ingest:ingest_task",  # load an upload into a staged DuckDB file
}


def parse_size(text: str | int) -> int:
    """Bytes in '2GB', '512MB', '1.5 GiB' or a plain number of bytes."""
    if isinstance(text, int):
        return text
    raw = text.strip().upper().replace(" ", "").removesuffix("B").removesuffix("I")
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    if raw and raw[-1] in units:
        return int(float(raw[:-1]) * units[raw[-1]])
    return int(float(raw))


def apply_limits(memory_bytes: int | None, cpu_seconds: float | None = None) -> None:
    """Cap this process's address space and CPU time; past them the kernel refuses memory or stops it."""
    import resource

    limit_heap_arenas()
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if cpu_seconds:
        set_cpu_allowance(cpu_seconds)


def set_cpu_allowance(seconds: float) -> None:
    """Allow this process `seconds` more CPU time from now (SIGXCPU ends it past that)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def python_command(module: str) -> list[str]:
    """The command line that runs `module` with this interpreter, with the project importable from any folder.

    The child inherits the environment unchanged; nothing here reads it.
    """
    boot = (f"import sys; sys.path.insert(0, {str(PROJECT_ROOT)!r}); import runpy; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", boot]


def limit_heap_arenas(arenas: int = 2) -> None:
    """Fewer per-thread malloc heaps (glibc reserves 64 MB of address space each): the cap stays for data."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def death_reason(returncode: int, *, memory_bytes: int | None, time_limit_s: float,
                 what: str = "the work") -> errors.ClarifyError:
    """The analyst's message for a child that died instead of answering (`what`: 'the query', ...)."""
    subject = what[:1].upper() + what[1:]
    if returncode == -signal.SIGXCPU:
        return errors.QueryTimeout(f"{subject} used more than {time_limit_s:g} s of processor time and was stopped.",
                                   hint="Narrow the date range, or split the work into smaller steps.")
    cap = f" ({memory_bytes / 2**30:.1f} GB)" if memory_bytes else ""
    return errors.ResourceLimit(
        f"{subject} needed more memory than Clarify allows{cap} and was stopped; nothing else was affected.",
        hint="Narrow the date range, group by fewer things, or return fewer or shorter values.")


def run_bounded(task: str, payload: dict[str, Any], *, memory_bytes: int | None, time_limit_s: float) -> Any:
    """Run a registered task in a fresh limited process and return its JSON result, or raise its error."""
    if task not in TASKS:
        raise ValueError(f"unknown bounded task {task!r}")
    request = json.dumps({"task": task, "payload": payload, "memory_bytes": memory_bytes,
                          "cpu_seconds": time_limit_s * 2 + 1}).encode()
    proc = subprocess.Popen(python_command("query_engine.sql.bounded_process"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(request, timeout=time_limit_s + KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise errors.QueryTimeout(f"The work ran longer than {time_limit_s:g} s and was stopped.",
                                  hint="Try a smaller file, or split it into shorter date ranges.") from None
    finally:
        if proc.poll() is None:
            _kill(proc)
    if proc.returncode != 0 and not out:
        raise death_reason(proc.returncode, memory_bytes=memory_bytes, time_limit_s=time_limit_s)
    return _decode_reply(out[:MAX_REPLY_BYTES], memory_bytes=memory_bytes, time_limit_s=time_limit_s,
                         returncode=proc.returncode)


def _decode_reply(out: bytes, *, memory_bytes: int | None, time_limit_s: float, returncode: int) -> Any:
    try:
        reply = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise death_reason(returncode or -signal.SIGKILL, memory_bytes=memory_bytes,
                           time_limit_s=time_limit_s) from None
    if "error" in reply:
        raise rebuild_error(reply["error"])
    return reply.get("result")


def rebuild_error(info: dict[str, Any]) -> errors.ClarifyError:
    """The ClarifyError a child reported, as the same class (ClarifyError when the name is unknown)."""
    cls = getattr(errors, str(info.get("type", "")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.ClarifyError)):
        cls = errors.ClarifyError
    return cls(str(info.get("message", "The work failed.")), hint=str(info.get("hint", "")))


def error_payload(exc: BaseException) -> dict[str, str]:
    """What a child reports for an error: the class name, the message and the hint."""
    if isinstance(exc, errors.ClarifyError):
        return {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    if isinstance(exc, MemoryError):
        return {"type": "ResourceLimit", "message": "The work needed more memory than Clarify allows and was "
                "stopped; nothing else was affected.", "hint": "Try a smaller file or a narrower question."}
    return {"type": "ClarifyError", "message": f"The work failed unexpectedly ({type(exc).__name__}).",
            "hint": "Try again; if it keeps failing, report it with the file or question that caused it."}


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _child_main() -> int:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    apply_limits(request.get("memory_bytes"), request.get("cpu_seconds"))
    try:
        module_name, _, function_name = TASKS[request["task"]].partition(":")
        import importlib

        function = getattr(importlib.import_module(module_name), function_name)
        reply: dict[str, Any] = {"result": function(**request["payload"])}
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a reply the parent can show
        reply = {"error": error_payload(exc)}
    sys.stdout.buffer.write(json.dumps(reply, default=str).encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main())
