"""Claim-level verification: extraction (claims), typed-fact views, binding rules, abstentions, vocabulary."""
