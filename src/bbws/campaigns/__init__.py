"""The campaigns service: promotion codes giving a percentage discount."""
