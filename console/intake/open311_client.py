"""A GeoReport v2 client that survives real servers: retries, Retry-After, paging, odd bodies.

Reads: discovery, the service list, service definitions and requests (date windows,
``updated_after``, ``page``/``page_size``).  Writes: a case's status back to the server, as a
FixMyStreet-style ``servicerequestupdates`` POST or a CitySDK-style ``PUT requests/{id}``.
Server errors (5xx, 429, timeouts, refused connections) are retried a few times, waiting what
``Retry-After`` asks when it asks for little; anything else raises :class:`Open311Error`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests

from console.intake.open311_parse import (
    definition_attributes,
    error_message,
    html_title,
    not_open311,
    parse_list,
    parse_object,
    service_rows,
)
from console.services.intake_outbox import DeliveryError
from console.services.intake_ports import OutboxItem

USER_AGENT = "CityDesk-intake/1.0"
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class Open311Error(Exception):
    """A request the server did not answer usefully.

    Attributes
    ----------
    message : str
        Chinese first, then the server's words.
    status : int or None
        The HTTP status (None for a timeout or a refused connection).
    retry_after : float or None
        Seconds the server asked to wait.
    """

    def __init__(self, message: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


@dataclass(frozen=True, slots=True)
class Open311Endpoint:
    """Where and how to talk to one GeoReport v2 server.

    ``url`` is the endpoint's base (``https://host/open311/v2``); resources are appended with
    the format suffix.  ``max_wait`` caps how long one call sleeps for ``Retry-After``: a
    longer wait is left to the worker's next round.
    """

    url: str
    jurisdiction: str | None = None
    api_key: str | None = None
    fmt: str = "xml"
    timeout: float = 10.0
    page_size: int = 100
    max_pages: int = 100
    retries: int = 3
    max_wait: float = 30.0


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds, None if absent or odd."""
    if not value:
        return None
    raw = value.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Open311Client:
    """Talks to one endpoint.

    Parameters
    ----------
    endpoint : Open311Endpoint
    session : requests.Session, optional
    sleep : callable, optional
        How to wait between retries (tests pass a recorder).
    """

    def __init__(self, endpoint: Open311Endpoint, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if endpoint.fmt not in ("xml", "json"):
            raise ValueError("format must be xml or json")
        self.endpoint = endpoint
        self._session = session or requests.Session()
        self._session.headers.setdefault("User-Agent", USER_AGENT)
        self._sleep = sleep

    def _url(self, resource: str) -> str:
        return f"{self.endpoint.url.rstrip('/')}/{resource}.{self.endpoint.fmt}"

    def _params(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.endpoint.jurisdiction:
            params["jurisdiction_id"] = self.endpoint.jurisdiction
        params.update({k: v for k, v in (extra or {}).items() if v not in (None, "")})
        return params

    def _call(self, method: str, resource: str, params: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None) -> bytes:
        url = self._url(resource)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.request(
                    method, url, params=params, data=data, timeout=self.endpoint.timeout)
            except requests.Timeout:
                error = Open311Error(f"服务器 {self.endpoint.timeout:g} 秒内未应答 / timed out: {url}")
            except requests.RequestException as exc:
                error = Open311Error(f"无法连接服务器：{type(exc).__name__} / cannot connect: {url}")
            else:
                if response.status_code < 400:
                    return response.content
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                words = error_message(response.content, response.status_code)
                error = Open311Error(
                    f"服务器返回 HTTP {response.status_code}：{words} / server error",
                    response.status_code, wait)
                if response.status_code not in RETRYABLE:
                    raise error
            wait = error.retry_after if error.retry_after is not None else 0.5 * 2 ** (attempt - 1)
            if attempt > self.endpoint.retries or wait > self.endpoint.max_wait:
                raise error
            self._sleep(wait)

    def discovery(self) -> dict[str, Any]:
        """The discovery document (endpoints, formats, contact)."""
        return parse_object(self._call("GET", "discovery"), self.endpoint.fmt, "discovery")

    def services(self) -> list[dict[str, str]]:
        """The service list: code, name, group, whether it has a definition …"""
        body = self._call("GET", "services", self._params())
        return service_rows(parse_list(body, self.endpoint.fmt, "service", ("services",)))

    def definition(self, service_code: str) -> list[dict[str, Any]]:
        """The attributes of a service's definition (empty when it has none)."""
        body = self._call("GET", f"services/{quote(service_code, safe='')}", self._params())
        return definition_attributes(
            parse_object(body, self.endpoint.fmt, "service_definition"))

    def request(self, external_id: str) -> Any | None:
        """The server's current view of one request (GeoReport ``GET requests/{id}``), or None
        when the answer holds no request."""
        body = self._call("GET", f"requests/{quote(external_id, safe='')}", self._params())
        items = parse_list(body, self.endpoint.fmt, "request", ("service_requests", "requests"))
        return items[0] if items else None

    def requests(self, **window: Any) -> Iterator[list[Any]]:
        """Pages of request items for a window (``start_date``, ``end_date``, ``updated_after``,
        ``status``, ``service_code``), following ``page``/``page_size`` while pages are full.

        A server that ignores paging answers page 2 with page 1 again: that ends the walk.
        """
        size = self.endpoint.page_size
        previous: list[Any] | None = None
        for page in range(1, self.endpoint.max_pages + 1):
            params = self._params({**window, "page": page, "page_size": size})
            body = self._call("GET", "requests", params)
            items = parse_list(body, self.endpoint.fmt, "request", ("service_requests", "requests"))
            if items == previous:
                return
            if items:
                yield items
            if len(items) < size:
                return
            previous = items

    def push(self, item: OutboxItem, mode: str) -> None:
        """Tell the server a case's new status; DeliveryError when it does not take it.

        ``mode`` ``updates`` posts a FixMyStreet ``servicerequestupdates`` entry (extended
        status, description, our update id so the server can drop a repeat); ``requests``
        PUTs ``status`` and ``status_notes`` on the request (CitySDK).
        """
        form: dict[str, Any] = self._params({"api_key": self.endpoint.api_key})
        if mode == "updates":
            form.update(service_request_id=item.external_id, update_id=f"citydesk-{item.id}",
                        status=item.extended_status, description=item.notes,
                        updated_datetime=item.occurred_at.isoformat())
            method, resource = "POST", "servicerequestupdates"
        else:
            form.update(status=item.status, status_notes=item.notes)
            method, resource = "PUT", f"requests/{quote(item.external_id, safe='')}"
        try:
            body = self._call(method, resource, data=form)
        except Open311Error as exc:
            permanent = exc.status is not None and exc.status < 500 and exc.status not in RETRYABLE
            raise DeliveryError(exc.message, exc.retry_after, permanent) from None
        title = html_title(body)
        if title is not None:  # a login or proxy page took it, not the server: try again later
            raise DeliveryError(not_open311(title).message)
