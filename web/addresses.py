"""The invitation page's short addresses, without the link's token: for a browser that already
holds the invitation (its cookie), and for e-mails, which may be forwarded. An id in them opens
nothing by itself; the browser's cookie must hold that invitation."""

from __future__ import annotations

import re

from conference.model.ids import InviteeId

MINE = "mine"  # /i/mine: the newest invitation this browser holds
_ONE_OF_MINE = re.compile(r"mine-([1-9][0-9]{0,18})")  # /i/mine-<invitee>: that one


def mine(invitee_id: InviteeId) -> str:
    """The short address of one invitation (under /i/), as e-mails give it."""
    return f"{MINE}-{invitee_id}"


def one_of_mine(token: str) -> InviteeId | None:
    """The invitation a short address names (None: it names none)."""
    found = _ONE_OF_MINE.fullmatch(token)
    return InviteeId(int(found.group(1))) if found else None
