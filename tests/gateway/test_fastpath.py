"""The fast path: hot routes reach their endpoint directly, after the per-request checks every AI call
passes; every other request goes through the application as usual."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from aipair.gateway.fastpath import GatewayFastPath


async def hot(request: Request) -> Response:
    return PlainTextResponse("served directly")


async def refuse_in_maintenance(request: Request) -> Response | None:
    if request.headers.get("x-maintenance") == "on":
        return JSONResponse(
            {"error": {"code": "maintenance"}}, status_code=503, headers={"Retry-After": "60"}
        )
    return None


def app() -> Starlette:
    routes = [Route("/other", lambda request: PlainTextResponse("through the router"), methods=["POST"])]
    fast = Middleware(GatewayFastPath, routes={"/v1/hot": hot}, checks=[refuse_in_maintenance])
    return Starlette(routes=routes, middleware=[fast])


async def test_a_hot_route_is_served_directly_after_its_checks_and_others_go_through_the_router() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t") as http:
        assert (await http.post("/v1/hot")).text == "served directly"
        refused = await http.post("/v1/hot", headers={"x-maintenance": "on"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "60"
        assert (await http.post("/other")).text == "through the router"
        assert (await http.get("/v1/hot")).status_code in (404, 405)  # only POST is hot
