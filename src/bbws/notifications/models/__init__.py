"""Data shapes of the notifications service: the queue message, the order it reads, emails."""
