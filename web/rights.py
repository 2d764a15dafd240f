"""A person's rights over their data, on the page as in chat (/mydata, /forget): a copy of what
kring keeps about them (a JSON file), and erasure after they confirm it. Both are forms (a POST
with the CSRF token) and go through the chat's use cases, audited as theirs are."""

from __future__ import annotations

import json

from aiohttp import web

from conference.erasure import forget_me
from conference.errors import StillStaff
from conference.model.circle import Invitee
from conference.personal_data import my_data
from conference.ports import UnitOfWork
from web.pages import DOOR, TEMPLATES, BadInput, opened, page, shown_for
from web.render import direction, render
from web.security import COOKIE, COOKIE_PATH, CSRF_FIELD, csrf_ok, csrf_token

SECTION = "rights"
COPY_NAME = "kring-mijn-gegevens.json"


async def _checked(
    request: web.Request, uow: UnitOfWork, secret: str
) -> tuple[Invitee | None, web.Response | None]:
    """The invitee of this link and browser, with a form that carries its CSRF token; else the
    answer to give (a refusal, or the page again with a kind word)."""
    door = request.app[DOOR]
    form = await request.post()
    found = await opened(request, uow, secret)
    if isinstance(found, web.Response):
        return None, found
    if not csrf_ok(secret, form.get(CSRF_FIELD)):
        _ = door.words(found.locale).gettext
        problem = BadInput(SECTION, _("Dat lukte niet. Probeer het nog een keer."))
        return None, page(request, found, await shown_for(uow, door, found), secret, None, problem)
    return found, None


async def my_copy(request: web.Request) -> web.StreamResponse:
    """Everything kring keeps about them (as /mydata), as a file to keep."""
    door = request.app[DOOR]
    secret = request.cookies.get(COOKIE, "")
    async with door.units() as uow:
        found, answer = await _checked(request, uow, secret)
        if found is None or found.person_id is None:
            await uow.commit()
            assert answer is not None
            return answer
        data = await my_data(uow, found.person_id)
        await uow.commit()  # the export is audited before the copy leaves
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return web.Response(
        body=body,
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{COPY_NAME}"'},
    )


async def forget(request: web.Request) -> web.StreamResponse:
    """First the question (what goes, that it cannot be undone), then, confirmed, erasure: the
    coordinator is told without the name, the browser let go, the link no longer works."""
    door = request.app[DOOR]
    secret = request.cookies.get(COOKIE, "")
    confirmed = (await request.post()).get("confirm") == "yes"
    async with door.units() as uow:
        found, answer = await _checked(request, uow, secret)
        if found is None or found.person_id is None:
            await uow.commit()
            assert answer is not None
            return answer
        locale = door.locale(found.locale)
        if not confirmed:
            await uow.commit()
            return _rights_page(request, locale, secret, asking=True)
        try:
            forgotten = await forget_me(uow, found.person_id)
        except StillStaff:  # staff have no web account; their manager takes them off first
            await uow.rollback()
            return _rights_page(request, locale, secret, asking=False, erased=False)
        await door.notices.forgotten(uow, forgotten)
        await uow.commit()
    response = _rights_page(request, locale, secret, asking=False)
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _rights_page(
    request: web.Request, locale: str, secret: str, asking: bool, erased: bool = True
) -> web.Response:
    door = request.app[DOOR]
    words = door.words(locale)
    html = render(
        request.app[TEMPLATES],
        "forget.html",
        words,
        lang=locale,
        dir=direction(locale),
        asking=asking,
        erased=erased,
        action=f"/i/{request.match_info['token']}/forget",
        back=f"/i/{request.match_info['token']}#{SECTION}",
        csrf_field=CSRF_FIELD,
        csrf=csrf_token(secret),
    )
    return web.Response(text=html, content_type="text/html")
