"""Campaign rules: codes, discounts and date windows, with no AWS in sight."""
