"""OpenDocument text, spreadsheets and presentations with odfpy, walked without recursion."""

from __future__ import annotations

import io
from typing import Any

from nextcloud_mcp.core.extract.sink import Problem, Sink, open_zip

__all__ = ["extract"]

_AFTER = {"p": "\n", "h": "\n", "table-cell": "\t", "table-row": "\n", "list-item": "", "table": "\n", "page": "\n"}


def _start(node: Any, sink: Sink, counters: dict[str, int]) -> None:
    local = node.qname[1]
    if local == "s":
        count = _attr(node, "c") or "1"
        sink.add(" " * min(int(count) if count.isdigit() else 1, 100))
    elif local == "tab":
        sink.add("\t")
    elif local == "line-break":
        sink.add("\n")
    elif local == "h":
        level = _attr(node, "outline-level") or "1"
        sink.add("#" * min(int(level) if level.isdigit() else 1, 6) + " ")
    elif local == "table" and counters["kind_is_sheet"]:
        sink.add(f"## {_attr(node, 'name') or 'Sheet'}\n")
    elif local == "page":
        counters["page"] += 1
        sink.add(f"## Slide {counters['page']}\n")


def _attr(node: Any, local: str) -> str | None:
    for (_, name), value in node.attributes.items():
        if name == local:
            return str(value)
    return None


def extract(data: bytes, kind: str, sink: Sink, max_expanded: int) -> None:
    package = open_zip(data, kind, max_expanded)
    try:
        manifest = package.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in package.namelist() else b""
    finally:
        package.close()
    if b"encryption-data" in manifest:
        raise Problem("encrypted", "it is a password-protected OpenDocument file")
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    counters = {"page": 0, "cell": 0, "kind_is_sheet": int(kind == "ods")}
    stack: list[tuple[Any, bool]] = [(document.body, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            local = node.qname[1]
            counters["cell"] -= local == "table-cell"
            sink.add(" " if local in ("p", "h") and counters["cell"] else _AFTER.get(local, ""))
            continue
        if node.nodeType == node.TEXT_NODE:
            sink.add(str(node.data))
            continue
        if node.nodeType != node.ELEMENT_NODE:
            continue
        _start(node, sink, counters)
        counters["cell"] += node.qname[1] == "table-cell"
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.childNodes))
