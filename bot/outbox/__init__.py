"""The one outbound sender: takes the outbox's deliveries and sends them within Telegram's limits.

Work goes in waves: claim a wave of pending deliveries (one short transaction marks them SENDING:
in hand), send, and record what happened. Before the request for a delivery's part leaves, its
attempt mark ("part `parts_done` may have left") is committed in a short transaction of its own,
which also records the answers that came in since the sender's last write; the flush a few
times a second (`flush_every`) records the rest. The sender's writes queue on one lock, in the
order things happened, and no transaction is held open across a call to Telegram. The sender
finds new deliveries by looking every `poll_every` seconds (queued by any process).

A crash (SIGKILL, power): at the next start a delivery only in hand, its next part never marked,
is pending again and goes on at that part (nothing lost, nothing repeated); one marked with no
answer recorded becomes UNKNOWN, is reported as such and never sent again. So a crash loses at
most the requests in flight at the sender's last commit before it (each commit records every
answer that came before it): requests in flight plus answers not yet recorded, which the pace
keeps to at most max(1, ⌊KRING_SEND_RATE⌋) requests (bot/pace.py never has more in flight). A
clean stop waits for the requests in flight and hands the rest back as they are (a message half
sent goes on at its next part).

Limits (bot/pace.py): a global rate (KRING_SEND_RATE) shared with the bot's interactive replies,
and per chat one message a second, counted from Telegram's answer. Every chat has its own lane: the
parts of a message go out in order, a second later each, while other chats go ahead; ready lanes
take turns. What each answer of Telegram does (429, 403, 5xx, 400): `outcomes`.

The sender has its own Bot and HTTP session (aiogram's, as the bot's) without the RetryMiddleware
of bot/telegram_session.py: that one sleeps inside the call on a 429, and the sender must see the
429 to reschedule only that chat.

Batches with a report chat show their progress there (`progress`, its texts in `report_texts`).
Logs carry ids and counts only.

The modules: `sender` (the sender's life: the dispatcher that lets one request leave at a time,
and the housekeeping that claims waves and records results), `lanes` (a lane per chat and the
ready ones taking turns), `journal` (what the database is to hear, and the sender's
transactions: claims, attempt marks, results), `parts` (a part of a message as the Bot API call
that sends it), `outcomes` (what an answer means for a delivery), `progress` (the progress
message and report in the report chat), `report_texts`, `stats`."""
