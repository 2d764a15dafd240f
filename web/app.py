"""The web door's aiohttp application (mounted under /i/ by bot/: `kring serve` beside the
webhook, `kring run` on KRING_LISTEN when KRING_PUBLIC_URL is set)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import cockpit
from web.actions import act
from web.door import Door
from web.pages import DOOR, TEMPLATES, calendar_file, invitation_page, to_mine
from web.render import environment
from web.rights import forget, my_copy
from web.security import security_headers

PREFIX = "/i/"
STATIC = Path(__file__).resolve().parent / "static"


def web_app(door: Door) -> web.Application:
    """Mounted at PREFIX: /i/<token> is the page, /i/<token>/<action> its forms."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[DOOR] = door
    app[TEMPLATES] = environment()
    app.router.add_static("/static/", STATIC, append_version=True)
    app.router.add_get("/", to_mine)
    app.router.add_get("/{token}", invitation_page)
    app.router.add_get("/{token}/calendar.ics", calendar_file)
    app.router.add_post("/{token}/mydata", my_copy)
    app.router.add_post("/{token}/forget", forget)
    app.router.add_post("/{token}/{action}", act)
    return app


def cockpit_app(door: Door) -> web.Application:
    """Mounted at /c/: the coordinator's cockpit (a Telegram Mini App) and its script."""
    app = web.Application(middlewares=[cockpit.cockpit_headers], client_max_size=64 * 1024)
    app[DOOR] = door
    app[TEMPLATES] = environment()
    app.router.add_static("/static/", STATIC, append_version=True)
    app.router.add_get("/{conference}", cockpit.shell)
    app.router.add_get("/{conference}/panel", cockpit.panel)
    app.router.add_post("/{conference}/{action}", cockpit.act)
    return app


def mount(root: web.Application, door: Door) -> None:
    root.add_subapp(PREFIX, web_app(door))
    if door.mini_app_token:
        root.add_subapp(cockpit.PREFIX, cockpit_app(door))
