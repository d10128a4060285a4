"""CDS Hooks 2.0: the ECA PlanDefinition engine, medication facts, daily doses, prefetch, cards and feedback."""
