"""Conversation flows: one module per flow, each with a `router()` that registers its
module-level handlers."""
