"""Summary faithfulness: citation precision, coverage of active conditions, medications and allergies,
unverified claims and flags, all checked against the raw bundle JSON."""
