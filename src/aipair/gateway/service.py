"""The governed AI operations: chat (plain and streamed), embeddings, transcription, model listing.

Every operation follows the same path: estimate → admit (limits, quota, budget reservation) →
provider call outside any transaction → settle to the real cost. Failures are settled too, so the
reservation is always released and the usage event always written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import orjson

from aipair.auth.key_cache import ApiKeyResolver
from aipair.auth.principal import CompanyId, Principal
from aipair.gateway.admission import Admission, Admissions, Caller
from aipair.gateway.company_routes import CompanyRoutes
from aipair.gateway.dialects.base import OpenAIChunks, StreamDialect
from aipair.gateway.errors import GatewayError, InvalidRequest, PermissionDenied
from aipair.gateway.idempotency import IdempotencyKeys
from aipair.gateway.providers.base import ChatResult, JsonObject, Usage
from aipair.gateway.providers.streaming import ChatStream
from aipair.gateway.routing import Call, Routed, Router
from aipair.gateway.tokens import RequestEstimate, estimate_chat_request, estimate_embeddings_request
from aipair.gateway.validation import validate_chat, validate_embeddings
from aipair.kit.periods import current_period
from aipair.usage.service import UsageService

MEETING_OPERATION = "meeting_processing"
BYTES_PER_AUDIO_SECOND_FLOOR = 2_000  # 16 kbit/s: no supported format packs more audio into fewer bytes


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    """A JSON answer with the headers the client should see (rate limits), and what it used.

    ``after`` is the call's settlement, left for once the answer is on its way: whoever delivers the
    answer must await it (the endpoints do after sending; :meth:`GatewayService.chat_internal` at once).
    """

    body: JsonObject
    headers: dict[str, str]
    usage: Usage | None = None
    after: Callable[[], Awaitable[None]] | None = None

    async def settle(self) -> None:
        """Run the settlement left for after delivery (if any)."""
        if self.after is not None:
            await self.after()


@dataclass(frozen=True, slots=True)
class GatewayStream:
    """Server-sent events ready to send, with headers."""

    events: AsyncIterator[bytes]
    headers: dict[str, str]


def _model_of(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required and must be a string", param="model")
    return model


class GatewayService:
    """The one way AI is called on the platform, by keys, signed-in people and internal workflows."""

    def __init__(
        self, routes: CompanyRoutes, keys: ApiKeyResolver, usage: UsageService, idempotency: IdempotencyKeys
    ):
        self._routes = routes
        self._keys = keys
        self._usage = usage
        self._idempotency = idempotency

    @property
    def router(self) -> Router:
        """The platform's router (providers, aliases and breakers of companies without settings)."""
        return self._routes.platform.router

    @property
    def _admissions(self) -> Admissions:
        # Settlement (platform prices) and budget headroom are the same for every lane; meeting
        # estimates use the platform's targets.
        return self._routes.platform.admissions

    async def caller_from_key(self, raw_key: str) -> Caller:
        """A caller for a company API key; the key needs the ``ai`` scope."""
        key = await self._keys.resolve(raw_key)
        if "ai" not in key.scopes:
            raise PermissionDenied("This API key does not have the 'ai' scope")
        return Caller(
            key.company_id,
            None,
            key.key_id,
            key.requests_per_minute,
            key.tokens_per_minute,
            key.monthly_budget_micro_usd,
        )

    @staticmethod
    def caller_from_principal(principal: Principal) -> Caller:
        """A caller for a signed-in person (console session) or an already-authenticated key."""
        return Caller(principal.company_id, principal.user_id, principal.api_key_id)

    async def once(
        self, caller: Caller, key: str, request_print: bytes, produce: Callable[[], Awaitable[GatewayAnswer]]
    ) -> tuple[bytes, dict[str, str]]:
        """``produce()`` under an ``Idempotency-Key``: its answer (serialised), or the first call's
        answer replayed; a failure releases the key (nothing was billed)."""
        replay = await self._idempotency.claim(caller.company_id, key, request_print)
        if replay is not None:
            return replay.body, {"idempotent-replayed": "true"}
        try:
            answer = await produce()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._idempotency.release(caller.company_id, key)
            raise
        raw = orjson.dumps(answer.body)
        await answer.settle()
        await self._idempotency.complete(caller.company_id, key, 200, raw)
        return raw, answer.headers

    async def purge_expired_idempotency_keys(self) -> int:
        """Delete expired ``Idempotency-Key`` records of every company; how many were."""
        return await self._idempotency.purge_expired()

    async def check_model(self, caller: Caller, model: str) -> None:
        """The caller's company may use AI and ``model`` (403 or 404 otherwise); nothing is counted."""
        await self._admissions.policy(caller)
        lane = await self._routes.lane(caller.company_id)
        lane.router.registry.resolve(model)

    async def models(self, caller: Caller) -> JsonObject:
        """``GET /v1/models``: every model the caller's company may use and the platform can serve now."""
        lane = await self._routes.lane(caller.company_id)
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "aipair"}
            for name in lane.router.registry.model_names()
        ]
        return {"object": "list", "data": data}

    async def chat(
        self,
        caller: Caller,
        body: JsonObject,
        request_id: str,
        operation: str = "chat_completion",
        call: Call[ChatResult] | None = None,
    ) -> GatewayAnswer:
        """A non-streaming chat completion, governed and billed (``call``: how each provider is asked,
        when not with ``body`` as a chat completion)."""
        model = _model_of(body)
        validate_chat(body)
        lane = await self._routes.lane(caller.company_id)
        estimate = estimate_chat_request(body, output_limit=lane.admissions.output_limit(model))
        admission = await lane.admissions.admit(caller, operation, model, request_id, estimate)
        try:
            routed = await lane.router.chat(model, body, caller.company_id, call)
        except GatewayError as exc:
            await self._admissions.settle(admission, None, None, None, exc.code)
            raise
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._admissions.settle(admission, None, None, None, "cancelled")
            raise
        response = routed.result.response
        response["model"] = model
        settle = partial(
            self._admissions.settle, admission, routed.provider, routed.model, routed.result.usage
        )
        return GatewayAnswer(response, admission.headers, routed.result.usage, settle)

    async def stream_chat(
        self,
        caller: Caller,
        body: JsonObject,
        request_id: str,
        operation: str = "chat_completion",
        dialect: Callable[[ChatStream, int], StreamDialect] = lambda _stream, _tokens: OpenAIChunks(),
        call: Call[ChatStream] | None = None,
    ) -> GatewayStream:
        """A streamed chat completion; billed from the final usage, or for what was delivered if cut short.

        ``dialect`` (given the opened stream and the input token estimate) renders the chunks: OpenAI's by
        default; ``call`` opens each provider's stream, when not with ``body`` as a chat completion."""
        model = _model_of(body)
        validate_chat(body)
        lane = await self._routes.lane(caller.company_id)
        estimate = estimate_chat_request(body, output_limit=lane.admissions.output_limit(model))
        admission = await lane.admissions.admit(caller, operation, model, request_id, estimate)
        try:
            routed = await lane.router.stream_chat(model, body, caller.company_id, call)
        except BaseException as exc:
            with anyio.CancelScope(shield=True):
                code = exc.code if isinstance(exc, GatewayError) else "cancelled"
                await self._admissions.settle(admission, None, None, None, code)
            raise
        tokens = routed.result.accumulator.input_tokens or estimate.input_tokens
        events = self._events(admission, routed, model, dialect(routed.result, tokens))
        return GatewayStream(events, admission.headers)

    async def _events(
        self, admission: Admission, routed: Routed[ChatStream], public_model: str, dialect: StreamDialect
    ) -> AsyncIterator[bytes]:
        stream, provider, upstream = routed.result, routed.provider, routed.model
        error: str | None = None
        try:
            async for chunk in stream:
                chunk["model"] = public_model
                if event := dialect.chunk(chunk):
                    yield event
            yield dialect.end(stream.usage)
        except GatewayError as exc:
            error = exc.code
            yield dialect.error(exc)
        finally:
            with anyio.CancelScope(shield=True):
                await stream.aclose()
                usage = stream.usage
                delivered = usage.output_tokens > 0 or error is None
                await self._admissions.settle(
                    admission,
                    provider if delivered else None,
                    upstream if delivered else None,
                    usage if delivered else None,
                    error,
                )

    async def embeddings(self, caller: Caller, body: JsonObject, request_id: str) -> GatewayAnswer:
        """Embeddings, governed and billed."""
        model = _model_of(body)
        validate_embeddings(body)
        estimate = estimate_embeddings_request(body)
        lane = await self._routes.lane(caller.company_id)
        admission = await lane.admissions.admit(caller, "embedding", model, request_id, estimate)
        try:
            routed = await lane.router.embeddings(model, body, caller.company_id)
        except GatewayError as exc:
            await self._admissions.settle(admission, None, None, None, exc.code)
            raise
        response = routed.result.response
        response["model"] = model
        settle = partial(
            self._admissions.settle, admission, routed.provider, routed.model, routed.result.usage
        )
        return GatewayAnswer(response, admission.headers, routed.result.usage, settle)

    async def transcribe(
        self,
        caller: Caller,
        model: str,
        audio: bytes,
        filename: str,
        params: Mapping[str, str],
        request_id: str,
        operation: str = "transcription",
    ) -> tuple[JsonObject | str, str, dict[str, str]]:
        """A transcription, reserved at the longest duration the file could hold, billed at the real one
        (usage tagged with ``operation``)."""
        if not audio:
            raise InvalidRequest("'file' is empty", param="file")
        seconds = max(1, len(audio) // BYTES_PER_AUDIO_SECOND_FLOOR)
        lane = await self._routes.lane(caller.company_id)
        admission = await lane.admissions.admit(
            caller, operation, model, request_id, RequestEstimate(seconds, 0)
        )
        try:
            routed = await lane.router.transcribe(model, audio, filename, params, caller.company_id)
        except GatewayError as exc:
            await self._admissions.settle(admission, None, None, None, exc.code)
            raise
        await self._admissions.settle(admission, routed.provider, routed.model, routed.result.usage)
        result = routed.result
        return result.content, result.media_type, admission.headers

    async def chat_internal(
        self, principal: Principal, body: JsonObject, *, request_id: str, operation: str = MEETING_OPERATION
    ) -> JsonObject:
        """A governed chat completion on behalf of a workflow (usage tagged with ``operation``)."""
        caller = self.caller_from_principal(principal)
        answer = await self.chat(caller, body, request_id, operation)
        await answer.settle()
        return answer.body

    def estimate_cost(self, model: str, input_tokens: int, max_output_tokens: int) -> int:
        """The worst-case cost in micro-USD of a call to ``model`` (for estimates before a job starts)."""
        return self._admissions.worst_case(model, input_tokens, max_output_tokens)

    async def budget_headroom(self, company_id: CompanyId) -> int | None:
        """Micro-USD left in the company's budget this period; None when it has no budget."""
        policy = await self._admissions.policy(Caller(company_id))
        if policy.budget_micro_usd is None:
            return None
        totals = await self._usage.current_totals(company_id, current_period(policy.zone).month)
        return max(0, policy.budget_micro_usd - totals["cost_micro_usd"] - totals["reserved_micro_usd"])
