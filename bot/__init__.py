"""Outage-aware member self-service assistant: store, rules, answers and operations tools."""
