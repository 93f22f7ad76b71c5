"""The child process: `python -m nextcloud_mcp.core.extract.worker KIND MEMORY_BYTES CPU_SECONDS MAX_CHARS`.

It caps its own address space and CPU time first, reads the document from stdin, and writes one JSON object to
stdout: `{"text", "truncated"}` or `{"code", "message"}`. Only this process imports the parsing libraries.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

__all__ = ["main"]


def _limit(memory: int, cpu: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the runner's wall-clock timeout still applies
        return
    for which, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_CORE, 0)):
        try:
            _soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, hard))
        except (ValueError, OSError):  # pragma: no cover - a platform without this limit
            continue


def _reader(kind: str) -> Callable[..., None]:
    if kind == "pdf":
        from nextcloud_mcp.core.extract import pdf

        return pdf.extract
    if kind in ("docx", "xlsx", "pptx"):
        from nextcloud_mcp.core.extract import ooxml

        return ooxml.extract
    from nextcloud_mcp.core.extract import odf

    return odf.extract


def run(kind: str, data: bytes, max_chars: int, max_expanded: int) -> dict[str, object]:
    from nextcloud_mcp.core.extract.sink import Full, Problem, Sink

    sink = Sink(max_chars)
    try:
        _reader(kind)(data, kind, sink, max_expanded)
    except Full:
        pass
    except Problem as exc:
        return {"code": exc.code, "message": exc.message}
    except MemoryError:
        return {"code": "memory", "message": "it needs more memory than allowed"}
    except RecursionError:
        return {"code": "corrupt", "message": "its structure is nested too deeply"}
    except Exception as exc:  # any parser failure is a damaged (or hostile) file
        detail = f"{type(exc).__name__}: {exc}"
        return {"code": "corrupt", "message": f"it cannot be parsed ({detail[:300]})"}
    return {"text": sink.text(), "truncated": sink.truncated}


def main(argv: list[str]) -> int:
    kind, memory, cpu, max_chars = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    _limit(memory, cpu)
    try:
        data = sys.stdin.buffer.read()
        result = run(kind, data, max_chars, max(memory // 2, 1))
        out = json.dumps(result)
    except MemoryError:
        out = '{"code": "memory", "message": "it needs more memory than allowed"}'
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
