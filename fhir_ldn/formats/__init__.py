"""Serialisations of FHIR resources: canonical JSON bytes and XML."""
