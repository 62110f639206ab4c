"""The orders service: accepts, prices, stores and moves orders through their lifecycle."""
