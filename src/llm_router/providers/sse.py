"""Server-sent events read straight from the SDK's raw HTTP response.

The adapters let the SDK make the call (auth, base URL, retries, timeouts, its error types) but read the
stream themselves: parsing every chunk into the SDK's pydantic models was most of the router's added
latency, and the adapters only need a few fields of each event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2


async def sse_events(response: httpx2.Response) -> AsyncIterator[tuple[bytes, bytes]]:
    """``(event, data)`` of each event; ``event`` is empty when the server names none, multi-line data
    is joined with newlines. Lines end in LF or CRLF (what every LLM API sends)."""
    buffer = b""
    event = b""
    data: list[bytes] = []
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:  # a blank line ends the event
                if data:
                    yield event, b"\n".join(data)
                event, data = b"", []
                continue
            name, _, value = line.partition(b":")
            if value.startswith(b" "):
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value
    if data:  # a stream that ended without the final blank line
        yield event, b"\n".join(data)
