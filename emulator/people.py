"""The test-facing side: Telegram users who talk to the bot, and what they see."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from .messages import document_dict, photo_sizes
from .state import (
    BotAccount,
    CallbackAnswer,
    CallbackQueryRecord,
    Chat,
    StoredMessage,
    UserInfo,
)
from .view import BotMessage
from .web_app import launch_url, signed_init_data

if TYPE_CHECKING:
    from .core import BotApiEmulator

COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-photo\xff\xd9"
FAKE_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-sticker"
INACCESSIBLE_AFTER = 48 * 3600  # seconds: a button under an older message loses its message
OWN = object()  # send_contact default: the sender's own user_id


Match = Callable[[BotMessage], Any] | str


class Person:
    def __init__(self, emu: BotApiEmulator, info: UserInfo, bot_token: str | None = None):
        self.emu = emu
        self.info = info
        self._bot_token = bot_token

    def __repr__(self) -> str:
        return f"Person({self.info.first_name!r}, id={self.id})"

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def first_name(self) -> str:
        return self.info.first_name

    @property
    def language_code(self) -> str | None:
        return self.info.language_code

    @property
    def bot(self) -> BotAccount:
        return self.emu.bot(self._bot_token)

    @property
    def chat(self) -> Chat:
        return self.bot.chat(self.info)

    # what the person sees

    @property
    def messages(self) -> list[BotMessage]:
        return [BotMessage(m, self.emu.files) for m in self.chat.bot_messages()]

    @property
    def last(self) -> BotMessage | None:
        stored = self.chat.bot_messages()
        return BotMessage(stored[-1], self.emu.files) if stored else None

    @property
    def texts(self) -> list[str | None]:
        return [m.text for m in self.messages]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        keyboard = self.chat.reply_keyboard
        return [[b["text"] for b in row] for row in keyboard["keyboard"]] if keyboard else None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.chat.callback_answers)

    @property
    def chat_action(self) -> str | None:
        return self.chat.last_action

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    @property
    def version(self) -> int:
        return self.chat.version  # bumped on every new, edited or deleted message

    # acting

    async def _submit(self, payload: dict[str, Any], wait: bool) -> int:
        update_id = self.bot.enqueue(payload)
        if wait:
            await self.emu.wait_confirmed(update_id, bot=self.bot)
        return update_id

    async def _send(self, fields: dict[str, Any], wait: bool, reply_to: Any = None) -> int:
        chat = self.chat
        if chat.blocked:
            self.unblock()  # writing to a blocked bot means pressing "Restart" first
        chat.started = True
        message = {
            "message_id": chat.next_message_id(),
            "from": self.info.to_dict(),
            "chat": self.info.chat_dict(),
            "date": self.emu.now(),
            **fields,
        }
        if reply_to is not None:
            target = chat.get(getattr(reply_to, "message_id", reply_to))
            if target is None:
                raise AssertionError(f"cannot reply to unknown message {reply_to!r}")
            message["reply_to_message"] = copy.deepcopy(target.data)
        chat.store(message, from_bot=False)
        return await self._submit({"message": message}, wait)

    async def send_text(self, text: str, *, wait: bool = True, reply_to: Any = None) -> int:
        fields: dict[str, Any] = {"text": text}
        command = COMMAND_RE.match(text)
        if command:
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return await self._send(fields, wait, reply_to)

    async def send_command(
        self, command: str, args: str | None = None, *, wait: bool = True
    ) -> int:
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return await self.send_text(text, wait=wait)

    async def send_contact(
        self,
        phone_number: str = "+31600000000",
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: Any = OWN,
        *,
        vcard: str | None = None,
        wait: bool = True,
    ) -> int:
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.info.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        user_id = self.id if user_id is OWN else user_id
        if user_id is not None:
            contact["user_id"] = user_id
        if vcard:
            contact["vcard"] = vcard
        return await self._send({"contact": contact}, wait)

    async def send_photo(
        self, caption: str | None = None, *, data: bytes = FAKE_JPEG, wait: bool = True
    ) -> int:
        record = self.emu.files.add(data, None, "image/jpeg")
        fields: dict[str, Any] = {"photo": photo_sizes(self.emu.files, record)}
        if caption:
            fields["caption"] = caption
        return await self._send(fields, wait)

    async def send_document(
        self,
        file_name: str = "document.txt",
        data: bytes = b"hello",
        mime_type: str | None = "text/plain",
        caption: str | None = None,
        *,
        wait: bool = True,
    ) -> int:
        fields: dict[str, Any] = {
            "document": document_dict(self.emu.files.add(data, file_name, mime_type))
        }
        if caption:
            fields["caption"] = caption
        return await self._send(fields, wait)

    async def send_sticker(self, emoji: str = "👍", *, wait: bool = True) -> int:
        record = self.emu.files.add(FAKE_WEBP, "sticker.webp", "image/webp")
        sticker = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(record.data),
        }
        return await self._send({"sticker": sticker}, wait)

    async def send_location(
        self, latitude: float = 52.3676, longitude: float = 4.9041, *, wait: bool = True
    ) -> int:
        return await self._send({"location": {"latitude": latitude, "longitude": longitude}}, wait)

    async def press(
        self,
        label: str,
        *,
        message: BotMessage | int | None = None,
        contains: bool = False,
        wait: bool = True,
    ) -> int:
        """Press an inline button (newest message first), else a reply-keyboard button."""

        def fits(text: str) -> bool:
            return label in text if contains else text == label

        chat = self.chat
        if message is not None:
            # a message the bot just deleted may still be on the person's screen: pressing its
            # button sends an InaccessibleMessage
            message_id = message if isinstance(message, int) else message.message_id
            stored = chat.messages.get(message_id)
            if stored is None or not stored.from_bot:
                raise AssertionError(f"message {message!r} is not visible to {self.first_name}")
            candidates = [stored]
        else:
            candidates = list(reversed(chat.bot_messages()))
        for stored in candidates:
            for row in BotMessage(stored, self.emu.files).inline_keyboard:
                for button in row:
                    if fits(button["text"]):
                        return await self._press_inline(stored, button, wait)
        keyboard = chat.reply_keyboard if message is None else None
        for row in keyboard["keyboard"] if keyboard else []:
            for button in row:
                if fits(button["text"]):
                    if button.get("request_contact"):
                        return await self.send_contact(wait=wait)
                    if button.get("request_location"):
                        return await self.send_location(wait=wait)
                    return await self.send_text(button["text"], wait=wait)
        inline = [m.buttons for m in map(lambda s: BotMessage(s, self.emu.files), candidates)]
        raise AssertionError(
            f"{self.first_name} sees no button {label!r}; inline buttons (newest first): "
            f"{[b for b in inline if b]}; reply keyboard: {self.reply_keyboard}"
        )

    async def press_at(self, message_id: int, row: int, column: int, *, wait: bool = True) -> int:
        """Press the inline button at (row, column) under one of the bot's messages: what a
        tap on a phone's screen does (a chat client knows where, not what, was tapped)."""
        stored = self.chat.messages.get(message_id)
        if stored is None or not stored.from_bot:
            raise AssertionError(f"message {message_id} is not visible to {self.first_name}")
        keyboard = BotMessage(stored, self.emu.files).inline_keyboard
        if not (0 <= row < len(keyboard) and 0 <= column < len(keyboard[row])):
            raise AssertionError(f"no button at {row},{column} under message {message_id}")
        return await self._press_inline(stored, keyboard[row][column], wait)

    async def press_key(self, row: int, column: int, *, wait: bool = True) -> int:
        """Press the reply-keyboard button at (row, column): its text is sent, or the contact
        or location it asks for."""
        keyboard = self.chat.reply_keyboard
        rows = keyboard["keyboard"] if keyboard else []
        if not (0 <= row < len(rows) and 0 <= column < len(rows[row])):
            raise AssertionError(f"{self.first_name} has no key at {row},{column}")
        button = rows[row][column]
        if button.get("request_contact"):
            return await self.send_contact(wait=wait)
        if button.get("request_location"):
            return await self.send_location(wait=wait)
        return await self.send_text(button["text"], wait=wait)

    def open_web_app(self, label: str, *, contains: bool = False) -> str:
        """Tap a Mini App button (newest message first): the address the client opens, with
        this person's init data, signed with the bot's token, in its fragment. The bot hears
        nothing of it: the page talks to its own server."""
        for stored in reversed(self.chat.bot_messages()):
            for row in BotMessage(stored, self.emu.files).inline_keyboard:
                for button in row:
                    text = button["text"]
                    if (label in text if contains else text == label) and "web_app" in button:
                        self.chat.started = True
                        init_data = signed_init_data(
                            self.bot.token,
                            {
                                "user": self.info.to_dict(),
                                "chat_instance": str(self.id * 7919 % 10**12),
                                "chat_type": "private",
                                "auth_date": self.emu.now(),
                            },
                        )
                        return launch_url(button["web_app"]["url"], init_data)
        raise AssertionError(f"{self.first_name} sees no Mini App button {label!r}")

    async def _press_inline(
        self, stored: StoredMessage, button: dict[str, Any], wait: bool
    ) -> int:
        if "callback_data" not in button:
            raise AssertionError(f"button {button['text']!r} is not a callback button: {button}")
        bot, chat = self.bot, self.chat
        chat.started = True
        query_id = f"{bot.id}{len(bot.callback_queries) + 1:09d}"
        bot.callback_queries[query_id] = CallbackQueryRecord(chat, stored.message_id)
        query = {
            "id": query_id,
            "from": self.info.to_dict(),
            "message": self._as_bot_gets_it(stored),
            "chat_instance": str(-(10**12) - chat.id),
            "data": button["callback_data"],
        }
        return await self._submit({"callback_query": query}, wait)

    def _as_bot_gets_it(self, stored: StoredMessage) -> dict[str, Any]:
        """The message under a pressed button, as Telegram hands it to the bot: in full, or
        as an InaccessibleMessage (chat, message_id, date 0) once it is deleted or older than
        48 hours by the emulator's clock."""
        if stored.deleted or self.emu.now() - int(stored.data["date"]) >= INACCESSIBLE_AFTER:
            return {"chat": self.info.chat_dict(), "message_id": stored.message_id, "date": 0}
        return copy.deepcopy(stored.data)

    def _member_update(self, old: str, new: str) -> None:
        bot_user = self.bot.user_dict()
        new_member: dict[str, Any] = {"status": new, "user": bot_user}
        if new == "kicked":
            new_member["until_date"] = 0
        self.bot.enqueue(
            {
                "my_chat_member": {
                    "chat": self.info.chat_dict(),
                    "from": self.info.to_dict(),
                    "date": self.emu.now(),
                    "old_chat_member": {"status": old, "user": bot_user, "until_date": 0},
                    "new_chat_member": new_member,
                }
            }
        )

    def block(self) -> None:
        chat = self.chat
        if not chat.blocked:
            chat.blocked = True
            if chat.started:
                self._member_update("member", "kicked")

    def unblock(self) -> None:
        chat = self.chat
        if chat.blocked:
            chat.blocked = False
            if chat.started:
                self._member_update("kicked", "member")

    async def wait_for(
        self,
        match: Match,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-call deadline is the API
        *,
        new_only: bool = False,
    ) -> BotMessage:
        """Newest bot message (new or edited) satisfying `match`: a substring or predicate."""
        chat = self.chat
        since = chat.version

        def fits(message: BotMessage) -> bool:
            if isinstance(match, str):
                return match in (message.text or "")
            return bool(match(message))

        def find() -> BotMessage | None:
            for stored in reversed(chat.bot_messages()):
                if new_only and stored.version <= since:
                    continue
                message = BotMessage(stored, self.emu.files)
                if fits(message):
                    return message
            return None

        timeout = self.emu.timeout if timeout is None else timeout
        try:
            return cast(BotMessage, await chat.signal.wait_until(find, timeout))
        except TimeoutError:
            raise TimeoutError(
                f"{self.first_name}: no bot message matching {match!r} within {timeout:.1f}s; "
                f"texts: {self.texts[-5:]}"
            ) from None
