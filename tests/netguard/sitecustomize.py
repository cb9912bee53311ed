"""Loaded at start-up by servers the tests launch: install the network guard."""

import netguard

netguard.install()
