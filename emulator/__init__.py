"""A local stand-in for the Telegram Bot API server, for tests and benchmarks."""

from .core import BotApiEmulator
from .errors import ApiError
from .markup import parse_html
from .people import OWN, Person
from .server import Call
from .state import BotAccount, CallbackAnswer, Chat, UserInfo
from .view import BotMessage, Document
from .webhook import SECRET_HEADER, Delivery

__all__ = [
    "OWN",
    "SECRET_HEADER",
    "ApiError",
    "BotAccount",
    "BotApiEmulator",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "Chat",
    "Delivery",
    "Document",
    "Person",
    "UserInfo",
    "parse_html",
]
