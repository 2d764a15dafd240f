"""kring's HTTP/1.1 client (bot/transport.py) against real servers on 127.0.0.1 that answer in
every way HTTP allows, and in some ways it does not."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme

from bot.transport import LeanHttp, TransportError

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[None]]


class Server:
    """Reads each request whole (head and Content-Length body) and lets `answer` reply."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if ssl_context else 'http'}://localhost:{port}" if ssl_context \
            else f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                body = await read_body(reader, head)
                self.requests.append(head + body)
                await self.answer(reader, writer, body)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()


async def read_body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    lines = [line.lower() for line in head.split(b"\r\n")]
    if b"transfer-encoding: chunked" in lines:  # aiohttp sends a multipart form so
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
        return body
    length = next(int(line.split(b":")[1]) for line in lines
                  if line.startswith(b"content-length:"))
    return await reader.readexactly(length)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[tuple[Server, str]]]]:
    servers: list[Server] = []

    async def start(answer: Answer) -> tuple[Server, str]:
        server = Server(answer)
        servers.append(server)
        return server, await server.start()

    yield start
    for server in servers:
        await server.stop()


def plain(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


def echo(extra: str = "") -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     body: bytes) -> None:
        writer.write(plain(body, extra=extra))
        await writer.drain()
    return answer


async def test_answers_by_length_reuse_one_connection_and_send_a_proper_request(serve):
    server, base = await serve(echo())
    http = LeanHttp(user_agent="kring-test")
    for n in range(5):
        reply = await http.post(f"{base}/bot1:x/sendMessage", b'{"n":%d}' % n)
        assert (reply.status, reply.body) == (200, b'{"n":%d}' % n)
    assert server.connections == 1
    head = server.requests[0].split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert head[0] == "POST /bot1:x/sendMessage HTTP/1.1"
    assert f"Host: {base.split('//')[1]}" in head
    assert "Content-Type: application/json" in head and "Content-Length: 7" in head
    http.close()


async def test_a_chunked_answer_in_pieces_with_extensions_and_trailers(serve):
    async def answer(reader, writer, body):
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"4;ext=1\r\n{\"ok", b"\r\n", b"A\r\n\":true,\"re", b"\r", b"\n8\r",
                      b"\nsult\":1", b"}\r\n", b"0\r\nX-Trailer: yes\r\n", b"\r\n"):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.005)
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    for _ in range(2):  # and the connection is still good after it
        reply = await http.post(f"{base}/m", b"{}")
        assert reply.body == b'{"ok":true,"result":1}'
    assert server.connections == 1
    http.close()


async def test_an_answer_framed_by_closing_and_connection_close_are_not_reused(serve):
    async def answer(reader, writer, body):
        if body == b"old":
            writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
        else:
            writer.write(plain(b"bye", extra="Connection: close\r\n"))
        await writer.drain()
        writer.close()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    assert (await http.post(f"{base}/m", b"old")).body == b"until the end"
    assert (await http.post(f"{base}/m", b"new")).body == b"bye"
    assert (await http.post(f"{base}/m", b"new")).body == b"bye"
    assert server.connections == 3
    http.close()


async def test_gzip_bodies_and_interim_answers(serve):
    async def answer(reader, writer, body):
        packed = gzip.compress(b'{"ok":true}' * 50)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + plain(
            packed, extra="Content-Encoding: gzip\r\n"))
        await writer.drain()
    _, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    assert (await http.post(f"{base}/m", b"{}")).body == b'{"ok":true}' * 50
    http.close()


async def test_error_statuses_are_answers_not_failures(serve):
    async def answer(reader, writer, body):
        writer.write(plain(b'{"ok":false,"error_code":429,"parameters":{"retry_after":3}}',
                           status="429 Too Many Requests", extra="Retry-After: 3\r\n"))
        await writer.drain()
    _, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    reply = await http.post(f"{base}/m", b"{}")
    assert reply.status == 429 and b"retry_after" in reply.body
    http.close()


async def test_a_connection_the_server_closed_while_resting_is_not_used_again(serve):
    async def answer(reader, writer, body):
        writer.write(plain(body))
        await writer.drain()
        if body == b"1":
            await asyncio.sleep(0.01)
            writer.close()  # the server's keep-alive timeout, while the client rests
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    assert (await http.post(f"{base}/m", b"1")).body == b"1"
    await asyncio.sleep(0.1)
    assert (await http.post(f"{base}/m", b"2")).body == b"2"
    assert server.connections == 2
    http.close()


async def test_a_connection_rested_too_long_is_not_used_again(serve):
    server, base = await serve(echo())
    http = LeanHttp(user_agent="kring-test", idle_timeout=0.05)
    await http.post(f"{base}/m", b"1")
    await http.post(f"{base}/m", b"2")
    assert server.connections == 1
    await asyncio.sleep(0.1)
    await http.post(f"{base}/m", b"3")
    assert server.connections == 2
    http.close()


async def test_a_request_is_never_sent_twice_when_the_server_hangs_up(serve):
    async def answer(reader, writer, body):
        writer.close()  # read the request, then hang up without a word
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    with pytest.raises(TransportError, match="closed"):
        await http.post(f"{base}/m", b"once")
    await asyncio.sleep(0.05)
    assert len(server.requests) == 1
    http.close()


@pytest.mark.parametrize("reply", [
    b"HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}and more",
    b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{}",  # then the server hangs up
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"a" * 70_000,
], ids=["http2", "status", "length", "two-lengths", "header", "trailing", "short", "chunk-size",
        "chunk-end", "transfer", "encoding", "bad-gzip", "long-head"])
async def test_a_malformed_answer_fails_that_request_and_its_connection(serve, reply):
    async def answer(reader, writer, body):
        if body == b"bad":
            writer.write(reply)
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.close()
        else:
            writer.write(plain(b"fine"))
            await writer.drain()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    with pytest.raises(TransportError):
        await http.post(f"{base}/m", b"bad")
    assert (await http.post(f"{base}/m", b"good")).body == b"fine"
    assert server.connections == 2  # the failed connection was thrown away
    http.close()


async def test_a_silent_server_times_out_and_its_connection_is_dropped(serve):
    async def answer(reader, writer, body):
        if body == b"slow":
            await asyncio.sleep(5)
        writer.write(plain(b"ok"))
        await writer.drain()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        await http.post(f"{base}/m", b"slow", timeout=0.2)
    assert time.monotonic() - began < 1
    assert (await http.post(f"{base}/m", b"quick")).body == b"ok"
    assert server.connections == 2
    http.close()


async def test_at_most_limit_connections_and_everyone_is_answered(serve):
    async def answer(reader, writer, body):
        await asyncio.sleep(0.02)
        writer.write(plain(body))
        await writer.drain()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test", limit=3)
    replies = await asyncio.gather(*(http.post(f"{base}/m", b"%d" % n) for n in range(20)))
    assert [r.body for r in replies] == [b"%d" % n for n in range(20)]
    assert server.most_open == 3 and server.connections == 3
    http.close()


async def test_a_cancelled_request_frees_its_place(serve):
    async def answer(reader, writer, body):
        if body == b"slow":
            await asyncio.sleep(5)
        writer.write(plain(body))
        await writer.drain()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test", limit=1)
    slow = asyncio.create_task(http.post(f"{base}/m", b"slow"))
    waiting = asyncio.create_task(http.post(f"{base}/m", b"next"))  # waits for the one place
    await asyncio.sleep(0.1)
    assert not waiting.done()
    slow.cancel()
    assert (await asyncio.wait_for(waiting, 2)).body == b"next"
    assert server.connections == 2  # the cancelled exchange's connection was not reused
    http.close()


async def test_nobody_listening_is_a_transport_error():
    http = LeanHttp(user_agent="kring-test")
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(TransportError, match="connect"):
        await http.post(f"http://127.0.0.1:{port}/m", b"{}")
    http.close()


async def test_tls_with_the_servers_certificate_checked():
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    server = Server(echo())
    base = await server.start(server_context)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    http = LeanHttp(user_agent="kring-test", ssl_context=trusting)
    for n in range(3):
        assert (await http.post(f"{base}/m", b"%d" % n)).body == b"%d" % n
    assert server.connections == 1
    http.close()
    # a client that does not trust that authority refuses the server
    stranger = LeanHttp(user_agent="kring-test")
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        await stranger.post(f"{base}/m", b"{}")
    stranger.close()
    await server.stop()


def test_only_absolute_http_urls():
    http = LeanHttp(user_agent="kring-test")
    for url in ("ftp://example.org/x", "/relative", "http://user:pw@example.org/x"):
        with pytest.raises(ValueError):
            http._route(url)


BOT_USER = {"id": 1, "is_bot": True, "first_name": "kring"}
SENT = {"ok": True, "result": {"message_id": 5, "date": 0, "from": BOT_USER,
                               "chat": {"id": 7, "type": "private"}, "text": "Hallo"}}


async def test_the_bots_session_retries_a_hang_up_and_uploads_through_aiohttp(serve):
    """bot/sender.py: a failure on the wire is aiogram's TelegramNetworkError, which
    RetryMiddleware retries; a file goes as a multipart form, through aiohttp."""
    import orjson
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramNetworkError
    from aiogram.types import BufferedInputFile

    from bot.sender import JsonSession, RetryMiddleware

    hang_ups = [True]

    async def answer(reader, writer, body):
        if hang_ups and hang_ups.pop():
            writer.close()
            return
        writer.write(plain(orjson.dumps(SENT)))
        await writer.drain()
    server, base = await serve(answer)
    session = JsonSession(api=TelegramAPIServer.from_base(base))
    assert session.lean is not None  # TLS as aiohttp's: one context, certifi's roots
    assert session.lean.ssl_context is session._connector_init["ssl"]
    bot = Bot("123456:abc", session=session)
    with pytest.raises(TelegramNetworkError, match="TransportError"):
        await bot.send_message(7, "Hallo")  # no retries here: the hang-up is the caller's
    session.middleware(RetryMiddleware(base_delay=0.01))
    hang_ups.append(True)
    message = await bot.send_message(7, "Hallo")
    assert message.message_id == 5
    sends = [r for r in server.requests if b"/sendMessage" in r]
    assert len(sends) == 3 and all(b"Content-Type: application/json" in r for r in sends)
    assert orjson.loads(sends[-1].split(b"\r\n\r\n", 1)[1]) == {"chat_id": 7, "text": "Hallo"}
    await bot.send_document(7, BufferedInputFile(b"BEGIN:VCALENDAR", filename="ek.ics"))
    upload = server.requests[-1]
    assert b"/sendDocument" in upload and b"multipart/form-data" in upload.lower()
    assert b"BEGIN:VCALENDAR" in upload
    await session.close()


async def test_closing_the_client_closes_its_connections_in_use_too(serve):
    async def answer(reader, writer, body):
        await asyncio.sleep(0.1 if body == b"slow" else 0)
        writer.write(plain(body))
        await writer.drain()
    server, base = await serve(answer)
    http = LeanHttp(user_agent="kring-test")
    await http.post(f"{base}/m", b"rest")  # one connection rests
    slow = asyncio.create_task(http.post(f"{base}/m", b"slow"))  # the same one, in use
    await asyncio.sleep(0.02)
    http.close()  # e.g. kring stopping
    assert (await slow).body == b"slow"  # what was under way finishes
    await asyncio.sleep(0.05)
    assert server.open == 0  # and then nothing stays open


async def test_an_edit_that_changes_nothing_is_not_a_failure(serve):
    """bot/sender.py's UnchangedEditMiddleware: Telegram's 400 "message is not modified" on
    an edit means the screen already shows it; any other refusal is still an error."""
    import orjson
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest

    from bot.sender import JsonSession, UnchangedEditMiddleware

    refusals = {
        b"same": "Bad Request: message is not modified: specified new message content and "
                 "reply markup are exactly the same as a current content and reply markup of "
                 "the message",
        b"gone": "Bad Request: message to edit not found",
    }

    async def answer(reader, writer, body):
        said = orjson.loads(body).get("text", "").encode()
        error = {"ok": False, "error_code": 400, "description": refusals[said]}
        writer.write(plain(orjson.dumps(error), status="400 Bad Request"))
        await writer.drain()
    _server, base = await serve(answer)
    session = JsonSession(api=TelegramAPIServer.from_base(base))
    session.middleware(UnchangedEditMiddleware())
    bot = Bot("123456:abc", session=session)
    assert await bot.edit_message_text(text="same", chat_id=7, message_id=3) is True
    with pytest.raises(TelegramBadRequest, match="not found"):
        await bot.edit_message_text(text="gone", chat_id=7, message_id=3)
    with pytest.raises(TelegramBadRequest, match="not modified"):  # only edits
        await bot.send_message(7, "same")
    await session.close()
