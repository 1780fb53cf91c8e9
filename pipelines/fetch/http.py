"""HTTP for the live clients: urllib, a sliding-window rate limiter and retries with back-off.

SCB allows at most 10 calls per 10 seconds per IP address (``sources.md`` §1.1); :class:`RateLimiter`
keeps every client under such a limit *before* sending. A 429 (too many requests), a 5xx, a timeout or
a broken connection is retried with exponential back-off (or after the server's ``Retry-After``);
other statuses are returned to the caller (a 403 from PxWeb means "too many cells": split the query).
The clock and sleep are injectable, so tests run the limiter and the back-off on a fake clock.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message

USER_AGENT = "analysplan (Region Norrbotten, enheten för Analys och planering)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A fetch failed for good (message in Swedish, for the analyst)."""


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Attempt:
    """One call as it happened: for logs and tests."""

    method: str
    url: str
    outcome: str  # the HTTP status, or the error ("timeout", "anslutning")
    waited: float  # seconds slept before the next attempt (0 when none followed)


class RateLimiter:
    """At most ``max_calls`` calls in any sliding window of ``window`` seconds."""

    def __init__(
        self,
        max_calls: int = 10,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if max_calls < 1 or window <= 0:
            raise ValueError("max_calls must be ≥ 1 and window > 0")
        self.max_calls = max_calls
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self.calls: deque[float] = deque()

    def acquire(self) -> None:
        """Wait until a call is allowed, then record it."""
        while True:
            now = self.clock()
            while self.calls and now - self.calls[0] >= self.window:
                self.calls.popleft()
            if len(self.calls) < self.max_calls:
                self.calls.append(now)
                return
            self.sleep(self.calls[0] + self.window - now)

    def tighten(self, max_calls: int, window: float) -> None:
        """Adopt a server's stated limit when it is stricter than ours (calls per second)."""
        if max_calls >= 1 and window > 0 and max_calls / window < self.max_calls / self.window:
            self.max_calls, self.window = max_calls, window


@dataclass
class HttpClient:
    """urllib with rate limiting and retries; ``sleep`` is shared with the limiter's clock in tests."""

    limiter: RateLimiter = field(default_factory=RateLimiter)
    retries: int = 5  # attempts after the first one
    backoff: float = 1.0  # first wait; doubles per attempt
    max_backoff: float = 60.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    attempts: list[Attempt] = field(default_factory=list)
    on_retry: Callable[[str], None] | None = None

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", url, None, headers)

    def post_json(self, url: str, body: bytes) -> Response:
        return self.request("POST", url, body, {"Content-Type": "application/json; charset=utf-8"})

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Send with retries; returns the final response (any status that is not retried)."""
        for attempt in range(self.retries + 1):
            self.limiter.acquire()
            retry_after: float | None = None
            try:
                response = self._send(method, url, body, headers)
            except _Transient as error:
                outcome = error.reason
            else:
                if response.status not in RETRY_STATUSES:
                    self.attempts.append(Attempt(method, url, str(response.status), 0.0))
                    return response
                outcome = str(response.status)
                retry_after = _retry_after(response.headers)
            if attempt == self.retries:
                self.attempts.append(Attempt(method, url, outcome, 0.0))
                break
            wait = min(self.max_backoff, self.backoff * 2**attempt)
            if retry_after is not None:
                wait = min(self.max_backoff, max(wait, retry_after))
            self.attempts.append(Attempt(method, url, outcome, wait))
            if self.on_retry is not None:
                self.on_retry(f"{method} {url}: {_describe(outcome)}; försöker igen om {wait:g} s")
            self.sleep(wait)
        raise FetchError(
            f"{method} {url} misslyckades {self.retries + 1} gånger i rad (senast: {_describe(outcome)}); "
            "försök igen senare."
        )

    def _send(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None) -> Response:
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Accept", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return Response(reply.geturl(), reply.status, reply.read(), _headers(reply.headers))
        except urllib.error.HTTPError as error:
            data = error.read() if error.fp is not None else b""
            return Response(url, error.code, data, _headers(error.headers))
        except TimeoutError as error:
            raise _Transient("timeout") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise _Transient("timeout") from error
            raise _Transient("anslutning") from error
        except (OSError, http.client.HTTPException) as error:  # reset, refused, incomplete read …
            raise _Transient("anslutning") from error


class _Transient(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _headers(message: Message | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (message.items() if message is not None else [])}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _describe(outcome: str) -> str:
    return {
        "timeout": "tidsgränsen överskreds",
        "anslutning": "ingen anslutning",
        "429": "HTTP 429, för många anrop",
    }.get(outcome, f"HTTP {outcome}")
