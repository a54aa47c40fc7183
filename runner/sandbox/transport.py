"""An httpx transport that sends cafe24 traffic to the sandbox, so request files keep their real
``https://{mall}.cafe24api.com/...`` URLs and run offline unchanged.

The ``Host`` header stays ``{mall}.cafe24api.com``: that is how the sandbox knows the mall.
"""

from __future__ import annotations

import httpx

from .hosts import CAFE24_DOMAIN


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, base_url: str, inner: httpx.BaseTransport | None = None) -> None:
        self._base = httpx.URL(base_url)
        self._inner = inner if inner is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "https" or not url.host.lower().endswith(CAFE24_DOMAIN):
            return self._inner.handle_request(request)
        prefix = self._base.raw_path.rstrip(b"/")
        target = self._base.copy_with(raw_path=prefix + url.raw_path)
        headers = request.headers.copy()
        # httpx puts Host first from the original URL; keep it, and add it if a caller removed it.
        headers.setdefault("Host", url.netloc.decode("ascii"))
        rerouted = httpx.Request(
            request.method,
            target,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return self._inner.handle_request(rerouted)

    def close(self) -> None:
        self._inner.close()
