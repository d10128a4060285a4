"""GET /health: liveness and what is loaded."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import StateDep

router = APIRouter(tags=["operations"])


@router.get("/health")
def read_health(state: StateDep) -> dict[str, object]:
    """Liveness, with the identity and size of the loaded knowledge package."""
    meta = state.package.meta
    return {"status": "ok", "package": meta.id, "version": meta.version, "resources": len(state.package)}
