"""FastAPI dependencies as Annotated aliases (routes declare `state: StateDep`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.fhir_ldn
    return state


StateDep = Annotated[AppState, Depends(get_state)]
