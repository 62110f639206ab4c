"""Lambda entry points of the orders service: orders-api and orders-consumer."""
