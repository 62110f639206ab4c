"""The ordering rules (pricing, discounts, status lifecycle), free of AWS."""
