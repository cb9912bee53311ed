"""Custom actions: thin adapters from a conversation to :mod:`bot.answers`."""
