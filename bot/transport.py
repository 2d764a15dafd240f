"""A small HTTP/1.1 client for the Bot API's JSON calls (docs/decisions.md, record 18).

Every request kring makes to Telegram is the same shape: a POST with a JSON body to one
origin, answered with a JSON body. aiohttp's general client spends about 0.2 ms of CPU on
each such call (request and response objects, cookie jar, header multidicts, tracing, timers,
a stream reader); kring makes about two calls per update, so that was a fifth of all its work.
This client does only what those calls need, on asyncio's own transports (TLS included):

- keep-alive connections, one request at a time on each, kept in a pool per origin
  (at most `limit` open; a caller waits for a free one beyond that), the most recently used
  first, and none reused after `idle_timeout` seconds of rest (servers close idle ones;
  15 s by default, aiohttp's keep-alive time);
- answers framed by Content-Length, chunked transfer coding or the end of the connection,
  interim 1xx answers skipped, gzip/deflate bodies decoded;
- a deadline per request covering connect, send and the whole answer.

Anything unexpected on the wire (a malformed status line or header, data nobody asked for,
an answer cut short) raises `TransportError` and throws that connection away; the caller
treats it as the network failure it is (aiogram's TelegramNetworkError, retried by
RetryMiddleware like an aiohttp ClientError was). A request is never repeated here.
File uploads (multipart) and proxies stay with aiohttp (bot/sender.py decides).
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi

MAX_HEAD = 64 * 1024  # a status line and headers longer than this are not an answer
MAX_BODY = 64 * 1024 * 1024  # the largest answer accepted (getUpdates: 100 updates)


class TransportError(Exception):
    """The connection failed or the server's answer was not well-formed HTTP/1.1."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int
    netloc: str  # for the Host header

    @property
    def secure(self) -> bool:
        return self.scheme == "https"


def split_url(url: str) -> tuple[Origin, str]:
    """An absolute http(s) URL -> its origin and the request target (path and query)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an absolute http(s) URL")
    if parts.username or parts.password:
        raise ValueError("credentials in the URL are not supported")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Origin(parts.scheme, parts.hostname, port, parts.netloc), target


class _Connection(asyncio.Protocol):
    """One connection: writes a request, parses the one answer it expects."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Reply] | None = None
        self.buffer = bytearray()
        self.closed = False
        self.reusable = True
        self.rested_at = loop.time()
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.head_done = False
        self.length: int | None = None  # Content-Length, or None
        self.chunked = False
        self.chunk_left = -1  # bytes left in the current chunk (-1: a size line comes next)
        self.trailers = False  # past the last chunk: trailer lines up to an empty one
        self.body = bytearray()
        self.until_close = False  # framed by the end of the connection
        self.encoding = ""

    # --- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self._fail(TransportError("data arrived that nobody asked for"))
            return
        self.buffer += data
        try:
            self._parse()
        except TransportError as error:
            self._fail(error)
        except (ValueError, UnicodeDecodeError, zlib.error) as error:
            self._fail(TransportError(f"malformed answer: {error}"))

    def eof_received(self) -> bool:
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            if self.until_close and self.head_done:
                self.body += self.buffer
                self.buffer.clear()
                try:
                    self._complete()
                except (ValueError, zlib.error) as error:
                    self._fail(TransportError(f"malformed answer: {error}"))
            else:
                self._fail(TransportError("the server closed the connection"))
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            error = TransportError(f"connection lost: {exc}" if exc else "connection lost")
            self.waiter.set_exception(error)

    # --- the exchange -----------------------------------------------------------------------
    def send(self, data: bytes) -> asyncio.Future[Reply]:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.transport.write(data)
        return self.waiter

    def abort(self) -> None:
        self.reusable = False
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: TransportError) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.abort()

    def _parse(self) -> None:
        buffer = self.buffer
        while not self.head_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise TransportError("the answer's head is too long")
                return
            head = bytes(buffer[:end]).decode("latin-1")
            del buffer[:end + 4]
            self._read_head(head)
        if self.chunked:
            self._parse_chunks()
        elif self.length is not None:
            if len(buffer) >= self.length:
                if len(buffer) > self.length:  # one request at a time: nothing may follow
                    raise TransportError("more data than the answer announced")
                self.body = buffer
                self.buffer = bytearray()
                self._complete()
        elif len(buffer) + len(self.body) > MAX_BODY:
            raise TransportError("the answer is too long")
        else:
            self.body += buffer
            buffer.clear()

    def _read_head(self, head: str) -> None:
        lines = head.split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not code.isdigit():
            raise TransportError("not an HTTP/1.x status line")
        status = int(code)
        connection = length = transfer = ""
        encoding = ""
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise TransportError("malformed header line")
            key = name.lower()
            if key == "content-length":
                if length and length != value.strip():
                    raise TransportError("conflicting Content-Length")
                length = value.strip()
            elif key == "transfer-encoding":
                transfer = value.strip().lower()
            elif key == "connection":
                connection = value.strip().lower()
            elif key == "content-encoding":
                encoding = value.strip().lower()
        if 100 <= status < 200:
            return  # an interim answer (100 Continue and the like): the real one follows
        self.status = status
        self.head_done = True
        self.encoding = encoding
        if "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection):
            self.reusable = False
        if transfer:
            if transfer.rsplit(",", 1)[-1].strip() != "chunked":
                raise TransportError(f"unsupported Transfer-Encoding {transfer!r}")
            self.chunked = True
        elif length:
            if not length.isdigit():
                raise TransportError("malformed Content-Length")
            self.length = int(length)
            if self.length > MAX_BODY:
                raise TransportError("the answer is too long")
        elif status in (204, 304):
            self.length = 0
        else:
            self.until_close = True
            self.reusable = False

    def _parse_chunks(self) -> None:
        buffer = self.buffer
        while True:
            if self.trailers:
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                line = bytes(buffer[:end])
                del buffer[:end + 2]
                if not line:  # the empty line after the trailers
                    if buffer:
                        raise TransportError("more data than the answer announced")
                    self._complete()
                    return
                continue
            if self.chunk_left < 0:
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_HEAD:
                        raise TransportError("malformed chunk size")
                    return
                size = bytes(buffer[:end]).split(b";", 1)[0].strip()
                del buffer[:end + 2]
                if not size or any(c not in b"0123456789abcdefABCDEF" for c in size):
                    raise TransportError("malformed chunk size")
                self.chunk_left = int(size, 16)
                if self.chunk_left == 0:
                    self.trailers = True
                    continue
                if len(self.body) + self.chunk_left > MAX_BODY:
                    raise TransportError("the answer is too long")
            if len(buffer) < self.chunk_left + 2:
                return
            if buffer[self.chunk_left:self.chunk_left + 2] != b"\r\n":
                raise TransportError("malformed chunk")
            self.body += buffer[:self.chunk_left]
            del buffer[:self.chunk_left + 2]
            self.chunk_left = -1

    def _complete(self) -> None:
        body = bytes(self.body)
        if self.encoding in ("gzip", "x-gzip"):
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # some servers send raw deflate without the zlib wrapper
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif self.encoding not in ("", "identity"):
            raise TransportError(f"unsupported Content-Encoding {self.encoding!r}")
        reply = Reply(self.status, body)
        self._reset()
        self.rested_at = self.loop.time()
        assert self.waiter is not None
        waiter, self.waiter = self.waiter, None
        waiter.set_result(reply)
        if not self.reusable and self.transport is not None:
            self.transport.close()


class _Pool:
    """The connections to one origin."""

    def __init__(self, origin: Origin, limit: int, idle_timeout: float,
                 ssl_context: ssl.SSLContext | None) -> None:
        self.origin = origin
        self.idle: list[_Connection] = []
        self.open = 0
        self.limit = limit
        self.idle_timeout = idle_timeout
        self.ssl_context = ssl_context
        self.queue: list[asyncio.Future[None]] = []  # callers waiting for a free slot
        self.closed = False

    def take_idle(self, loop: asyncio.AbstractEventLoop) -> _Connection | None:
        """The most recently rested connection that is still good, if any."""
        now = loop.time()
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed and now - conn.rested_at < self.idle_timeout:
                return conn
            self._discard(conn)
        return None

    async def take(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        conn = self.take_idle(loop)
        if conn is not None:
            return conn
        while self.open >= self.limit:
            slot = loop.create_future()
            self.queue.append(slot)
            try:
                await slot
            except BaseException:
                if slot in self.queue:
                    self.queue.remove(slot)
                elif slot.done() and not slot.cancelled():
                    self._wake()  # pass on the slot this caller no longer takes
                raise
            conn = self.take_idle(loop)
            if conn is not None:
                return conn
        self.open += 1
        try:
            origin = self.origin
            _, conn = await loop.create_connection(
                lambda: _Connection(loop), origin.host, origin.port,
                ssl=self.ssl_context if origin.secure else None,
                server_hostname=origin.host if origin.secure else None)
        except BaseException:
            self.open -= 1
            self._wake()
            raise
        return conn

    def give_back(self, conn: _Connection) -> None:
        if conn.reusable and not conn.closed and not self.closed:
            self.idle.append(conn)
        else:
            self._discard(conn)
        self._wake()

    def _discard(self, conn: _Connection) -> None:
        if not conn.closed:
            conn.abort()
        self.open -= 1

    def _wake(self) -> None:
        while self.queue:
            slot = self.queue.pop(0)
            if not slot.done():
                slot.set_result(None)
                return

    def close(self) -> None:
        """Close the resting connections; those in use close when they are given back."""
        self.closed = True
        for conn in self.idle:
            if not conn.closed and conn.transport is not None:
                conn.transport.close()
        self.open -= len(self.idle)
        self.idle.clear()


def _expire(conn: _Connection) -> None:
    if conn.waiter is not None and not conn.waiter.done():
        conn.waiter.set_exception(TimeoutError())
    conn.abort()


class LeanHttp:
    """POST a body, get the status and the body back; see the module docstring."""

    def __init__(self, *, user_agent: str, limit: int = 100, idle_timeout: float = 15.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.user_agent = user_agent
        self.limit = limit
        self.idle_timeout = idle_timeout
        self._ssl_context = ssl_context
        self._pools: dict[Origin, _Pool] = {}
        self._targets: dict[str, tuple[_Pool, bytes]] = {}  # url -> pool, request line + Host

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """As given, or certifi's roots (as aiogram), loaded on the first https request."""
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context(cafile=certifi.where())
        return self._ssl_context

    def _route(self, url: str) -> tuple[_Pool, bytes]:
        known = self._targets.get(url)
        if known is not None:
            return known
        origin, target = split_url(url)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _Pool(origin, self.limit, self.idle_timeout,
                                               self.ssl_context if origin.secure else None)
        head = (f"POST {target} HTTP/1.1\r\nHost: {origin.netloc}\r\n"
                f"User-Agent: {self.user_agent}\r\nAccept-Encoding: gzip, deflate\r\n"
                ).encode("latin-1")
        if len(self._targets) < 1024:  # one per method in practice
            self._targets[url] = (pool, head)
        return pool, head

    async def post(self, url: str, body: bytes, *, content_type: str = "application/json",
                   timeout: float = 60.0) -> Reply:  # noqa: ASYNC109
        """Raises TransportError or TimeoutError. `timeout` is one deadline for connecting,
        sending and the whole answer: one timer, cheaper than asyncio.timeout's task
        bookkeeping on every call."""
        loop = asyncio.get_running_loop()
        pool, head = self._route(url)
        deadline = loop.time() + timeout
        conn = pool.take_idle(loop)
        if conn is None:  # a new connection (or a wait for a free one): rare, so wait_for
            try:
                conn = await asyncio.wait_for(pool.take(loop), timeout)
            except OSError as error:
                raise TransportError(f"cannot connect: {error}") from error
        request = b"".join((head, b"Content-Type: ", content_type.encode("latin-1"),
                            b"\r\nContent-Length: ", str(len(body)).encode(), b"\r\n\r\n",
                            body))
        timer = loop.call_at(deadline, _expire, conn)
        try:
            if conn.closed:
                raise TransportError("the connection closed before the request went out")
            return await conn.send(request)
        except BaseException:
            conn.abort()  # cancelled or failed mid-exchange: its state is unknown
            raise
        finally:
            timer.cancel()
            pool.give_back(conn)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self._targets.clear()

