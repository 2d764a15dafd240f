"""A bare aiogram bot, the yardstick bench.throughput compares kring with: at each step of the
intake it makes the Bot API calls kring makes there (bench.throughput.INTAKE), with nothing
behind them. A person types "bericht N" or presses "stap N"; every reply carries the button to
the next step."""

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bench.throughput import ANSWER, EDIT, INTAKE, MARKUP, SEND


async def reply(bot: Bot, chat_id: int, step: int, query: CallbackQuery | None = None) -> None:
    text = f"antwoord {step}"
    following = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=f"stap {step + 1}", callback_data=str(step + 1))]
        ]
    )
    pressed = query.message.message_id if query and query.message else 0
    calls = INTAKE[step].calls
    for i, call in enumerate(calls):
        # only the step's last message carries the next step's button, so nobody goes on early
        markup = following if i == len(calls) - 1 else None
        if call == SEND:
            await bot.send_message(chat_id, text, reply_markup=markup)
        elif call == ANSWER and query:
            await query.answer()
        elif call == EDIT:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=pressed, reply_markup=markup
            )
        elif call == MARKUP:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=pressed, reply_markup=markup
            )


async def typed(message: Message, bot: Bot) -> None:
    await reply(bot, message.chat.id, int((message.text or "0").split()[-1]))


async def pressed(query: CallbackQuery, bot: Bot) -> None:
    assert query.message is not None
    await reply(bot, query.message.chat.id, int(query.data or "0"), query)


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["KRING_API_BASE"]))
    bot = Bot(os.environ["KRING_BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(typed)
    dispatcher.callback_query.register(pressed)
    await dispatcher.start_polling(bot, polling_timeout=10, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
