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
