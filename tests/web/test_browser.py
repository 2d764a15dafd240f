"""The browser tests' own footing: Chromium starts, renders a page from a server on loopback,
and axe-core finds a violation where there is one (so its silence elsewhere means something)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser

from tests.web.browser import axe_violations, screenshot

UNLABELLED = """<!doctype html><html lang="nl"><head><title>Proef</title></head>
<body><main><h1>Proef</h1><form><input type="text" name="naam"></form></main></body></html>"""

LABELLED = """<!doctype html><html lang="nl"><head><title>Proef</title></head>
<body><main><h1>Proef</h1><form><label for="naam">Naam</label>
<input id="naam" type="text" name="naam"></form></main></body></html>"""


async def serve(html: str) -> TestServer:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_axe_finds_an_unlabelled_field_and_passes_a_labelled_one(browser: Browser) -> None:
    for html, expected in ((UNLABELLED, {"label"}), (LABELLED, set())):
        server = await serve(html)
        try:
            page = await browser.new_page()
            await page.goto(str(server.make_url("/")))
            found = {v["id"] for v in await axe_violations(page)}
            assert found == expected
            shot = await screenshot(page, f"footing-{'labelled' if not expected else 'bare'}")
            assert shot.stat().st_size > 1000
        finally:
            await server.close()
