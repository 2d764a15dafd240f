"""The web door: the invitation page for relatives without Telegram (aiohttp + Jinja2), calling
the same use cases as the chat. It never imports dialogs/ or storage/: bot/ injects a unit of
work, the catalogs and what tells the coordinator (web/door.py)."""
