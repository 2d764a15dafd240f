"""The translation catalogs (``<lang>/LC_MESSAGES/messages.po`` and ``messages.pot``).

A package only so that the wheel carries them beside ``bot``; there is no code here.
``bot.config.LOCALES_DIR`` finds this directory."""
