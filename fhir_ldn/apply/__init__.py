"""Applying definitional resources (ActivityDefinition, later PlanDefinition) to a subject: pure functions."""
