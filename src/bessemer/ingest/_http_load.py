"""An open-loop HTTP/1.1 load generator light enough to share two cores with the server it measures.

``httpx``'s async client spends about a millisecond of CPU per request; at 500 requests/s on a
two-core machine that is half a core taken from the server under test. This client speaks just
enough HTTP/1.1 (keep-alive GETs, ``Content-Length`` bodies) over a pool of asyncio connections.

Request ``i`` is due at ``t0 + i / rate``; its latency runs from that time, not from when a
connection became free, so a server that falls behind cannot hide the requests queued behind it
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

__all__ = ["LoadResult", "fire", "post_every"]


@dataclass
class LoadResult:
    """Latencies in seconds of the measured requests (after warm-up), with error and request counts."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; return its status. Raises ``ValueError`` on anything this client does not speak."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    status = int(parts[1])
    length = None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            raise ValueError("chunked responses are not supported by this load client")
    if length is None:
        raise ValueError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def fire(host: str, port: int, paths: list[str], *, rate: float, seconds: float, warmup: float = 0.0,
               headers: dict[str, str] | None = None, connections: int = 64, grace: float = 30.0) -> LoadResult:
    """GET ``paths`` (cycled) at ``rate`` per second for ``warmup + seconds``; measure the last ``seconds``.

    Requests still unanswered ``grace`` seconds after the last one was due count as errors, with
    their latency cut at that moment.
    """
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    wire = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode("latin-1") for p in paths]
    loop = asyncio.get_running_loop()
    n_warm, n = int(warmup * rate), int((warmup + seconds) * rate)
    out = LoadResult(sent=n - n_warm)
    done = [False] * n
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    t0 = loop.time() + 0.05

    async def worker() -> None:
        reader = writer = None
        while True:
            item = await queue.get()
            if item is None:
                break
            i, due = item
            ok = False
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(wire[i % len(wire)])
                status = await _read_response(reader)  # type: ignore[arg-type]
                ok = status == 200
                if i >= n_warm:
                    out.statuses[status] = out.statuses.get(status, 0) + 1
            except (OSError, ValueError, asyncio.IncompleteReadError):
                if writer is not None:
                    writer.close()
                reader = writer = None
            done[i] = True
            if i >= n_warm:
                out.latencies.append(loop.time() - due)
                out.errors += not ok
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    for i in range(n):
        due = t0 + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    _, late = await asyncio.wait(workers, timeout=max(0.0, t0 + n / rate + grace - loop.time()))
    for task in late:
        task.cancel()
    cut = loop.time()
    for i in range(n_warm, n):
        if not done[i]:
            out.latencies.append(cut - (t0 + i / rate))
            out.errors += 1
    return out


async def post_every(host: str, port: int, path: str, bodies: list[bytes], *, hz: float, seconds: float,
                     headers: dict[str, str] | None = None) -> tuple[int, int]:
    """POST ``bodies`` in turn, ``hz`` times a second for ``seconds`` (writes beside a read load).

    Returns ``(written, failed)``: requests answered 2xx, and the others.
    """
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(host, port)
    ok = failed = 0
    t0 = loop.time()
    try:
        for i in range(int(seconds * hz)):
            delay = t0 + i / hz - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            body = bodies[i % len(bodies)]
            writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n{head}\r\n".encode("latin-1") + body)
            status = await _read_response(reader)
            if 200 <= status < 300:
                ok += 1
            else:
                failed += 1
    finally:
        writer.close()
    return ok, failed
