"""Import aiogram without building all its types at once.

`import aiogram` takes about four seconds, three of them in one loop at the end of
`aiogram/types/__init__.py` that builds the pydantic validators of all ~450 Bot API types
(`model_rebuild`), with a namespace that lets their string annotations ("Message", "User", ...)
be resolved. kring uses a few dozen of them. aiogram declares its types with pydantic's
`defer_build=True`, so pydantic can build each one on first use instead, once it can resolve
those names; it looks for them in the module that defines the type, where aiogram imports them
only for type checkers. So `import_aiogram()`:

- imports aiogram while `model_rebuild` skips exactly that loop (a call on an aiogram type that
  is not built yet, with the loop's `_types_namespace`), keeping the namespace it was given;
- puts those names into every `aiogram.types.*` and `aiogram.methods.*` module, where pydantic's
  ordinary resolution finds them when a type is first used;
- restores `model_rebuild` whatever happens.

Each type is then built the first time it is used (a tenth of a second for `Update` and the
types below it), and `warm_up()` builds the ones kring always needs while the bot idles after
its start. Start-up is about three seconds shorter and the process smaller. Should a future
aiogram change that loop, nothing is skipped and the import is just slow again.
`tests/integration/test_lazy_types.py` builds every aiogram type and method this way in a fresh
interpreter, so a name that cannot be resolved fails CI, not a person's update."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from pydantic import BaseModel

_kept: dict[str, Any] = {}


def import_aiogram() -> None:
    """Import aiogram with its types left to be built on first use (see the module's text).
    Does nothing if aiogram was imported already."""
    if "aiogram" in sys.modules:
        return
    original = BaseModel.__dict__["model_rebuild"]

    def skip_the_build_loop(cls: type[BaseModel], *args: Any,
                            _types_namespace: Any = None, **kwargs: Any) -> bool | None:
        if (_types_namespace is not None and cls.__module__.startswith("aiogram.types.")
                and not cls.__pydantic_complete__):
            _kept.update(_types_namespace)
            return None
        result: bool | None = original.__func__(cls, *args, _types_namespace=_types_namespace,
                                                **kwargs)
        return result

    BaseModel.model_rebuild = classmethod(skip_the_build_loop)  # type: ignore[assignment,method-assign]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith(("aiogram.types.", "aiogram.methods.")):
            for key, value in _kept.items():
                module.__dict__.setdefault(key, value)


async def warm_up(types: list[type[BaseModel]]) -> None:
    """Build these types' validators now, one at a time, letting other work in between."""
    for model in types:
        if not model.__pydantic_complete__:
            # with the namespace aiogram's own loop would have used, and nothing from the
            # caller's frame (pydantic's default looks there too)
            model.model_rebuild(_types_namespace=_kept or None, _parent_namespace_depth=0)
        await asyncio.sleep(0)
