"""Engines: how applens reaches a warehouse. Driver errors are translated here only."""
