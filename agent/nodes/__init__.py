"""Graph nodes, one job each: gather → reason ⇄ tools (absorb) → draft → verify → flag → finalize."""
