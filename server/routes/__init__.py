"""One router module per endpoint group; `ROUTERS` lists them in the order the app includes them."""

from fastapi import APIRouter

from server.routes import cds_feedback, cds_services, downloads, health

ROUTERS: list[APIRouter] = [health.router, downloads.router, cds_services.router, cds_feedback.router]
