"""The browsable pages: the knowledge package rendered as an HTML site (Jinja2 templates, no JavaScript)."""

from fhir_ldn.site.files import site_files
from fhir_ldn.site.render import Links, render_site

__all__ = ["Links", "render_site", "site_files"]
