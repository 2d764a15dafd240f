"""Mini Apps: what a Telegram client hands the page it opens for a `web_app` button. The
launch parameters travel in the URL's fragment (`#tgWebAppData=...`), and tgWebAppData is the
init data, signed with the bot's token as Telegram describes
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote, urlencode

WEB_APP_VERSION = "8.0"


def signed_init_data(token: str, fields: dict[str, Any]) -> str:
    """`fields` (objects as JSON) as a query string, with the `hash` Telegram adds."""
    values = {
        key: json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if isinstance(value, dict)
        else str(value)
        for key, value in fields.items()
    }
    check = "\n".join(f"{key}={values[key]}" for key in sorted(values))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    values["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(values, quote_via=quote)


def launch_url(url: str, init_data: str, platform: str = "android") -> str:
    """The page's address as the client opens it: the launch parameters in the fragment."""
    fragment = urlencode(
        {
            "tgWebAppData": init_data,
            "tgWebAppVersion": WEB_APP_VERSION,
            "tgWebAppPlatform": platform,
        },
        quote_via=quote,
    )
    return f"{url.split('#', 1)[0]}#{fragment}"
