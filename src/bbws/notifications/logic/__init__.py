"""The notification rules: which emails an event sends, their content, and sending each once."""
