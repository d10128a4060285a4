"""One router module per endpoint group; `ROUTERS` lists them in the order the app includes them."""

from fastapi import APIRouter

from server.routes import downloads, health, pages

# pages last: its one-segment file-name route must not shadow the API's routes.
ROUTERS: list[APIRouter] = [health.router, downloads.router, pages.router]
