"""The HTTP service: a FastAPI app of thin routes over the fhir_ldn core."""
