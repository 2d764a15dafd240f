"""The browser's secret, the CSRF token made from it, and the headers every page carries."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

COOKIE = "kring_browser"
COOKIE_PATH = "/i/"
COOKIE_DAYS = 400  # browsers cap a cookie's life at about this
CSRF_FIELD = "csrf"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # a personal page: no copy in a shared cache or the history
}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def browser_hash(secret: str) -> str:
    """Only this is stored (web_account.browser_hash): a copy of the database binds nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    """Made from the browser's secret, which another site can neither read nor set (HttpOnly,
    SameSite): a form posted from elsewhere cannot carry it."""
    return hmac.new(secret.encode(), b"kring-csrf", hashlib.sha256).hexdigest()


def csrf_ok(secret: str | None, given: object) -> bool:
    return (
        bool(secret)
        and isinstance(given, str)
        and hmac.compare_digest(csrf_token(secret or ""), given)
    )


def _cookie(
    response: web.StreamResponse, name: str, value: str, seconds: int, secure: bool
) -> None:
    """A cookie of the page's: for /i/ only, unreadable by scripts, not sent from elsewhere."""
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def keep_secret(response: web.StreamResponse, secret: str, secure: bool) -> None:
    _cookie(response, COOKIE, secret, COOKIE_DAYS * 24 * 3600, secure)


SAVED_COOKIE = "kring_saved"
SAVED_SECONDS = 60  # the redirect after a save is followed at once; a stale one is forgotten


def say_saved(response: web.StreamResponse, section: str, secure: bool) -> None:
    """ "Saved ✓" by `section` on the next page this browser loads, and only there: set by the
    server after the commit, so a hand-made address cannot show it."""
    _cookie(response, SAVED_COOKIE, section, SAVED_SECONDS, secure)


def forget_saved(request: web.Request, response: web.StreamResponse) -> None:
    """The "Saved ✓" is shown once: the next load shows none."""
    if SAVED_COOKIE in request.cookies:
        response.del_cookie(SAVED_COOKIE, path=COOKIE_PATH)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # redirects and 404s carry them too
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response
