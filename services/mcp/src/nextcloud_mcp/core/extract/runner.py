"""Run `worker.py` in a fresh process per document: a wall-clock timeout (then kill), an address-space and CPU cap
set by the child itself, bounded output, a clean environment (no credentials), and at most a few at a time."""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from subprocess import PIPE

import anyio
from anyio.abc import Process
from anyio.lowlevel import RunVar

from nextcloud_mcp.core.errors import UnreadableDocument
from nextcloud_mcp.core.extract.sink import FORMATS

__all__ = ["GET_FILE", "ExtractLimits", "Extracted", "extract_text", "worker_command"]

_ENV_KEEP = ("PATH", "PYTHONPATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL")
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("nextcloud_mcp_extract_limiter")
GET_FILE = "get the file with nc_files_download_file"  # what a caller can do instead, by default


@dataclass(frozen=True)
class ExtractLimits:
    timeout: float = 30.0  # seconds of wall-clock time per document
    memory_mb: int = 512  # address space of the child process
    max_chars: int = 1_000_000  # text kept per document
    concurrency: int = 2  # extractions at once per server process


@dataclass(frozen=True)
class Extracted:
    text: str
    truncated: bool  # the document has more text than `max_chars`


def worker_command(kind: str, limits: ExtractLimits) -> list[str]:
    """The child's command line (tests replace it to exercise the timeout and memory cap)."""
    memory = limits.memory_mb * 2**20
    cpu = math.ceil(limits.timeout) + 1
    return [
        sys.executable,
        "-m",
        "nextcloud_mcp.core.extract.worker",
        kind,
        str(memory),
        str(cpu),
        str(limits.max_chars),
    ]


def _limiter(limits: ExtractLimits) -> anyio.CapacityLimiter:
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(limits.concurrency)
        _LIMITER.set(limiter)
        return limiter


async def _talk(process: Process, data: bytes, max_out: int) -> bytes:
    """Send `data` to the child's stdin while reading its stdout (at most `max_out` bytes) and draining stderr."""
    out = bytearray()
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr

    async def send() -> None:
        try:
            for start in range(0, len(data), 1 << 16):
                await stdin.send(data[start : start + (1 << 16)])
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass  # the child stopped reading (it failed early); its answer says why
        finally:
            await stdin.aclose()

    async def drain() -> None:
        async for _ in stderr:
            pass

    async with anyio.create_task_group() as tg:
        tg.start_soon(send)
        tg.start_soon(drain)
        async for chunk in stdout:
            out += chunk
            if len(out) > max_out:
                process.kill()
                break
    return bytes(out)


async def extract_text(
    data: bytes, kind: str, name: str, limits: ExtractLimits, *, get_it: str = GET_FILE
) -> Extracted:
    """The text of document `data` of `kind` (`document_kind`); UnreadableDocument says why there is none and,
    with `get_it` (a lowercase phrase), how to get the file instead."""
    fmt = FORMATS[kind]
    instead = f"{get_it[:1].upper()}{get_it[1:]} instead."
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    async with _limiter(limits):
        process = await anyio.open_process(worker_command(kind, limits), stdin=PIPE, stdout=PIPE, stderr=PIPE, env=env)
        try:
            with anyio.move_on_after(limits.timeout) as scope:
                raw = await _talk(process, data, limits.max_chars * 6 + 4096)
                code = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
            with anyio.CancelScope(shield=True):
                await process.wait()
                await process.aclose()
    if scope.cancelled_caught:
        raise UnreadableDocument(
            f"Reading the text of {name} took longer than {limits.timeout:g} s (MCP_EXTRACT_TIMEOUT) and was "
            f"stopped; the {fmt} file is very large or malformed. {instead}"
        )
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise UnreadableDocument(
            f"Reading the text of {name} stopped the extraction process (exit status {code}): the {fmt} file "
            f"needs more than {limits.memory_mb} MiB (MCP_EXTRACT_MEMORY_MB) or {limits.timeout:g} s of CPU, or "
            f"crashed the parser. {instead}"
        )
    if "text" in answer:
        return Extracted(text=str(answer["text"]), truncated=bool(answer.get("truncated")))
    problem, why = answer.get("code"), answer.get("message")
    if problem == "encrypted":
        raise UnreadableDocument(
            f"{name} is encrypted: {why}. This server reads no encrypted documents; remove the password in an "
            f"office application, or {get_it}."
        )
    if problem == "memory":
        raise UnreadableDocument(
            f"Reading the text of {name} needed more than {limits.memory_mb} MiB (MCP_EXTRACT_MEMORY_MB) and was "
            f"stopped. {instead}"
        )
    if problem == "too_large":
        raise UnreadableDocument(f"{name} is too large to read as {fmt}: {why}. {instead}")
    raise UnreadableDocument(f"{name} is not a readable {fmt} file: {why}. {instead}")
