"""The Router every flow builds: aiogram's, minus costs paid on every update.

An update goes from router to router until a handler takes it. At each router aiogram wraps
the next step in that router's outer middlewares, building a chain of partials and a
`functools.wraps` copy on every visit, also when there are none (and below the dispatcher
there are none: kring's middlewares sit on the dispatcher); then it awaits the router-level
filters and every handler's filters, also where there are none (a router that only holds
others). With twenty routers that was a tenth of kring's own time per update. This Router
goes on directly where there is nothing to wrap or check, and otherwise does exactly what
aiogram does (`aiogram.dispatcher.router.Router.propagate_event` and `_propagate_event`)."""

from __future__ import annotations

from typing import Any

from aiogram import Router as AiogramRouter
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.types import TelegramObject


class Router(AiogramRouter):
    async def propagate_event(self, update_type: str, event: TelegramObject,
                              **kwargs: Any) -> Any:
        observer = self.observers.get(update_type)
        if observer is not None and len(observer.outer_middleware):
            return await super().propagate_event(update_type, event, **kwargs)
        kwargs["event_router"] = self
        return await self._propagate_event(observer=observer, update_type=update_type,
                                           event=event, **kwargs)

    async def _propagate_event(self, observer: TelegramEventObserver | None, update_type: str,
                               event: TelegramObject, **kwargs: Any) -> Any:
        if observer is not None:
            if observer._handler.filters:  # the router's own filters (`r.message.filter`)
                passed, data = await observer.check_root_filters(event, **kwargs)
                if not passed:
                    return UNHANDLED
                kwargs.update(data)
            if observer.handlers:
                response = await observer.trigger(event, **kwargs)
                if response is REJECTED:
                    return UNHANDLED
                if response is not UNHANDLED:
                    return response
        for router in self.sub_routers:
            response = await router.propagate_event(update_type=update_type, event=event,
                                                    **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED
