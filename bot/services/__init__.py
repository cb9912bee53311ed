"""Store services: small functions that take a ``session``; the caller frames the transaction."""
