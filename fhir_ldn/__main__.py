"""`python -m fhir_ldn` runs the CLI."""

from fhir_ldn.cli import main

main()
