"""One router module per endpoint group; `ROUTERS` lists them in the order the app includes them."""

from fastapi import APIRouter

from server.routes import downloads, health

ROUTERS: list[APIRouter] = [health.router, downloads.router]
