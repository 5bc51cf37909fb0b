"""Real local services for tests (HTTP receiver for notifications)."""
