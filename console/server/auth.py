"""Sign-in, sign-out and the caller of every request (``/api/v1/token``, ``logout``, ``whoami``).

The caller is resolved from the bearer token on every request (:func:`caller`): the user is
read again each time, so a disabled user, a changed role or a changed password answers 401 at
the next call.  Nothing a client sends names the actor or the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool

from console.app import App
from console.domain.cases import Actor
from console.domain.errors import AuthenticationError
from console.server.wire import whoami_dict
from console.services.sessions import (
    SESSION_INVALID,
    RecentSessions,
    SessionPolicy,
    SessionRecord,
    SessionStore,
    authenticate,
    logout,
    resolve,
    resolve_recent,
    session_kind,
)


@dataclass
class ServerState:
    """What every route reaches through ``request.app.state.citydesk``.

    Parameters
    ----------
    app : App
        The open database and reference data (the server process holds the credentials).
    store : SessionStore
        Sessions in the database.
    policy : SessionPolicy
        Session lifetime and idle timeout.
    clock : callable
        The server's clock: the only time any event or session gets.
    recent : RecentSessions
        Sessions checked in the last two seconds (cleared when this process changes a user).
    """

    app: App
    store: SessionStore
    policy: SessionPolicy
    clock: Callable[[], datetime]
    recent: RecentSessions = field(default_factory=RecentSessions)


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in actor of a request and its session."""

    actor: Actor
    session: SessionRecord
    token: str


def state_of(request: Request) -> ServerState:
    """The server's state (set by :func:`console.server.app.create_app`)."""
    state = request.app.state.citydesk
    assert isinstance(state, ServerState)
    return state


async def server_state(request: Request) -> ServerState:
    """:func:`state_of` as a dependency (``async``: FastAPI runs a plain one on a thread)."""
    return state_of(request)


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer …`` (401 without one)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(SESSION_INVALID)
    return token.strip()


def resolve_caller(state: ServerState, token: str) -> Caller:
    """The caller of ``token`` resolved and checked against the user as stored now (it may
    read and write the sessions' store: call it off the event loop)."""
    actor, record = resolve(state.store, token, state.clock(), state.policy,
                            recent=state.recent)
    return Caller(actor, record, token)


async def caller(request: Request) -> Caller:
    """The request's caller, resolved and checked against the user as stored now.

    A session this process checked within the last moments and needs no write is answered
    on the event loop; every other check goes to a worker thread (it reads the database).
    """
    state = state_of(request)
    token = bearer_token(request)
    known = resolve_recent(token, state.clock(), state.policy, state.recent)
    if known is not None:
        return Caller(known[0], known[1], token)
    return await run_in_threadpool(resolve_caller, state, token)


CallerDep = Annotated[Caller, Depends(caller)]
StateDep = Annotated[ServerState, Depends(server_state)]

router = APIRouter(prefix="/api/v1", tags=["sessions"])


@router.post("/token")
def token(
    state: StateDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    kind: Annotated[str | None, Form(max_length=16)] = None,
    client: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    """Sign in: a bearer token for ``username`` (401, one message, for every refusal)."""
    chosen = session_kind(kind)
    issued, record = authenticate(state.app.uow_factory, state.store, username, password,
                                  state.clock(), state.policy, chosen, client)
    return {"access_token": issued, "token_type": "bearer",
            "expires_in": int((record.expires_at - record.created_at).total_seconds())}


@router.post("/logout")
def sign_out(state: StateDep, who: CallerDep) -> dict[str, Any]:
    """End the caller's session; the token answers 401 from now on."""
    logout(state.store, who.token, state.clock(), state.recent)
    return {"ok": True}


@router.get("/whoami")
def whoami(state: StateDep, who: CallerDep) -> dict[str, Any]:
    """The signed-in user, their role, unit and cells, and their session's times."""
    user = state.app.centre.ref.users.get(who.actor.user)
    name = user.name if user is not None else who.actor.user
    return whoami_dict(who.actor, name, who.session, state.policy)


@router.get("/health")
def health() -> dict[str, Any]:
    """Liveness without a session (a proxy's or systemd's check; reads nothing)."""
    return {"status": "ok"}
