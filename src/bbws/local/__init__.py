"""The local stack: the whole platform on one machine, with moto as the AWS emulator. Never imported by runtime code."""
