"""A local webhook receiver for tests: answers from a script, verifies with standardwebhooks,
and processes each webhook-id once, the way an integrator's idempotent handler does."""

from __future__ import annotations

from dataclasses import dataclass, field

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Receiver:
    """`answers` are the status codes of the next requests (then 200 for ever)."""

    answers: list[int] = field(default_factory=list)
    secret: str | None = None
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    verified: list[dict[str, object]] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        self.requests.append((headers, body))
        try:
            self.verified.append(Webhook(self.secret or "").verify(body, headers))
        except WebhookVerificationError:
            return Response(status_code=400)
        status = self.answers.pop(0) if self.answers else 200
        if status == 200 and headers["webhook-id"] not in self.processed:
            self.processed.append(headers["webhook-id"])
        return Response(status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])
