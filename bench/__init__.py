"""`make bench`: the quality bars of SPEC §9 measured on this machine (see docs/bench.md)."""
