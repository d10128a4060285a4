"""The CDS Hooks service's edges: database (feedback, JWT replay cache), JWT trust, FHIR fetching, start-up."""
