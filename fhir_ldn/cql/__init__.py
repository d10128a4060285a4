"""The package's decision logic in CQL: the pinned npm tools that translate it to ELM and run it (node)."""
