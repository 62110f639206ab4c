"""The products service: the catalog of what the agency sells, with prices."""
