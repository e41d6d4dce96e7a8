"""Sessions, one per tab, bounded in number; idle and closed ones are evicted.

A tab holds its event stream open; when the stream closes (the tab closed, crashed or navigated away) the session
stops training and is evicted after a short grace period (a reload opens a new session anyway). A session that
never connects a stream and sends no request for as long, or stays open but untouched and paused for
`idle_seconds`, is evicted too. When the store is full, the least recently used session without an open stream
makes room; if every session has a live tab, creating one more fails with a message saying so.
"""

from __future__ import annotations

import threading
import time

from .runner import Session
from .settings import Settings

__all__ = ["SessionLimitError", "SessionStore", "UnknownSessionError"]


class SessionLimitError(RuntimeError):
    """Every session slot holds a live tab."""


class UnknownSessionError(KeyError):
    """No session with that id (never made, closed, or evicted)."""

    def __str__(self) -> str:
        return str(self.args[0])


class SessionStore:
    """Sessions by id.

    >>> store = SessionStore(max_sessions=2)
    >>> session = store.create(Settings(seed="1"))
    >>> store.get(session.id) is session, len(store)
    (True, 1)
    """

    def __init__(self, max_sessions: int = 8, idle_seconds: float = 30 * 60, detached_seconds: float = 30.0):
        if max_sessions < 1:
            raise ValueError(
                f"The 'max_sessions' parameter of SessionStore must be an int >= 1. Got {max_sessions} instead."
            )
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.detached_seconds = detached_seconds
        self._sessions: dict[str, Session] = {}
        self._detached_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, settings: Settings, notices: list[str] | None = None) -> Session:
        self.evict_stale()
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                self._make_room()
        session = Session(settings, notices)  # outside the lock: building a model takes milliseconds
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                self._make_room()
            self._sessions[session.id] = session
            self._detached_at[session.id] = time.monotonic()  # no stream yet
        return session

    def _make_room(self) -> None:
        idle = [s for s in self._sessions.values() if s.streams == 0]
        if not idle:
            raise SessionLimitError(
                f"The playground already has {self.max_sessions} open tabs, its limit (--max-sessions). Close a tab "
                "and reload this one."
            )
        self._drop(min(idle, key=lambda s: s.last_seen).id)

    def _drop(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        self._detached_at.pop(session_id, None)
        if session is not None:
            session.close()

    def get(self, session_id: str) -> Session:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSessionError(
                f"No playground session {session_id!r}: it was closed or evicted after being idle. Reload the page "
                "to start a new one."
            )
        session.touch()
        return session

    def has(self, session_id: str) -> bool:
        return session_id in self._sessions

    def close(self, session_id: str) -> bool:
        """Free a session now (the tab said it is closing). True if there was one."""
        with self._lock:
            present = session_id in self._sessions
            self._drop(session_id)
        return present

    def attached(self, session: Session) -> None:
        with self._lock:
            session.streams += 1
            self._detached_at.pop(session.id, None)

    def detached(self, session: Session) -> None:
        with self._lock:
            session.streams = max(session.streams - 1, 0)
            if session.streams == 0:
                session.close()  # no tab is watching: stop training
                if session.id in self._sessions:  # a stream outliving its closed session starts no grace period
                    self._detached_at[session.id] = time.monotonic()

    def evict_stale(self) -> list[str]:
        """Drop sessions detached for longer than the grace period or idle for too long; returns their ids."""
        now = time.monotonic()
        with self._lock:
            # Detached: no tab watching and no request either (an API client without a stream stays while it asks).
            stale = [
                sid
                for sid, since in self._detached_at.items()
                if sid not in self._sessions
                or (now - since > self.detached_seconds and now - self._sessions[sid].last_seen > self.detached_seconds)
            ]
            # Idle: an open tab nobody has touched for long, and not training.
            stale += [
                sid
                for sid, s in self._sessions.items()
                if now - s.last_seen > self.idle_seconds and sid not in stale and not s.playing
            ]
            for session_id in stale:
                self._drop(session_id)
        return stale

    def close_all(self) -> None:
        with self._lock:
            for session_id in list(self._sessions):
                self._drop(session_id)
