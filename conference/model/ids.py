"""The ids that travel between the layers."""

from typing import NewType

PersonId = NewType("PersonId", int)  # the Telegram user id
ConferenceId = NewType("ConferenceId", int)
InviteeId = int
