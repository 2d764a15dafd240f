"""The ids that travel between the layers."""

from typing import NewType

PersonId = NewType("PersonId", int)  # the Telegram user id
ConferenceId = NewType("ConferenceId", int)
InviteeId = int

# What a database column holds: the id of a conference, invitee, date, proposal or suggestion
# is a 32-bit INTEGER, a Telegram account's a 64-bit BIGINT; none is 0 or below. An id from a
# button, a conversation or a link outside these names nothing (conference/access.py).
ROW_IDS = range(1, 2**31)
ACCOUNT_IDS = range(1, 2**63)
# A relative without Telegram answers on a web page, as an account kring makes for them: its id
# lies above every Telegram user id (those have at most 52 bits), so the use cases treat both
# alike, and whatever is sent to it goes by e-mail (or waits on their page), never to Telegram.
WEB_ACCOUNT_IDS = range(2**62, 2**63)
TELEGRAM_ACCOUNT_IDS = range(1, 2**62)


def web_account_of(invitee_id: InviteeId) -> PersonId:
    """The one web account an invitation can have."""
    return PersonId(WEB_ACCOUNT_IDS.start + invitee_id)


def on_the_web(person: int) -> bool:
    return person in WEB_ACCOUNT_IDS
