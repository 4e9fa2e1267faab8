"""The local API's translation, over real sockets: the payload 2.0 event each request becomes, and
the response each function result becomes, as API Gateway HTTP API does them.

The server runs in this process with functions that echo their event, so the event can be checked
whole; routes come from a template, as the stack reads them.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from voip_admin.template import load_template
from voip_local.functions import function_specs, template_environment
from voip_local.ports import bind
from voip_local.routes import http_api_routes, match_route
from voip_local.server import ApiServer, Gateway

pytestmark = pytest.mark.integration


def http_api(method: str, path: str) -> dict[str, Any]:
    return {"Type": "HttpApi", "Properties": {"Method": method, "Path": path}}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Echo": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Events": {
                    "Room": http_api("GET", "/api/v1/voip/room"),
                    "VisitorGet": http_api("get", "/api/v1/livechat/visitor/{token}"),
                    "VisitorPost": http_api("POST", "/api/v1/livechat/visitor"),
                    "AnyFile": http_api("ANY", "/files/{proxy+}"),
                    "Readme": http_api("GET", "/files/readme"),
                    "Slow": http_api("GET", "/slow"),
                }
            },
        },
        "Fails": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Events": {"Boom": http_api("GET", "/boom")}},
        },
        "Binary": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Events": {"Raw": http_api("GET", "/raw")}},
        },
        "Bare": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Events": {"Plain": http_api("GET", "/plain")}},
        },
    }
}


def echo(event: dict[str, Any]) -> dict[str, Any]:
    if event["rawPath"] == "/slow":
        time.sleep(0.5)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
    }


def fails(event: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("the function failed")


def binary(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/octet-stream", "x-one": "1"},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": base64.b64encode(b"\x00\xffbytes").decode(),
        "isBase64Encoded": True,
    }


def bare(event: dict[str, Any]) -> dict[str, Any]:
    return {"just": "a result"}


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, int]]:
    functions = {"Echo": echo, "Fails": fails, "Binary": binary, "Bare": bare}
    server = ApiServer(bind("127.0.0.1", 0, "PORT"), Gateway(http_api_routes(TEMPLATE), functions))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", int(server.server_address[1])
    server.shutdown()
    server.server_close()


def send(
    api: tuple[str, int],
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request on its own connection, headers sent exactly as given (repeats too)."""
    headers = headers or []
    connection = http.client.HTTPConnection(*api, timeout=10)
    connection.putrequest(method, target, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body is not None and not any(name.lower() == "transfer-encoding" for name, _ in headers):
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response, payload


def event_for(
    api: tuple[str, int],
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    """The event the echo function received for this request."""
    response, payload = send(api, method, target, headers, body)
    assert response.status == 200, payload
    event: dict[str, Any] = json.loads(payload)
    assert response.headers["apigw-requestid"] == event["requestContext"]["requestId"]
    return event


def test_query_string_as_api_gateway_decodes_it(api: tuple[str, int]) -> None:
    raw = "token=a%20b&token=c+d&agentId=&flag&x%5B%5D=%zz"
    event = event_for(api, "GET", f"/api/v1/voip/room?{raw}")
    assert event["rawQueryString"] == raw
    assert event["queryStringParameters"] == {
        "token": "a b,c d",
        "agentId": "",
        "flag": "",
        "x[]": "%zz",
    }
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /api/v1/voip/room"
    assert "body" not in event and "pathParameters" not in event and "cookies" not in event
    assert event["isBase64Encoded"] is False

    bare_event = event_for(api, "GET", "/api/v1/voip/room")
    assert bare_event["rawQueryString"] == ""
    assert "queryStringParameters" not in bare_event


def test_event_shape_headers_cookies_and_request_context(api: tuple[str, int]) -> None:
    headers = [
        ("X-Custom", "1"),
        ("x-custom", "2"),
        ("User-Agent", "contact-center/1.0"),
        ("Cookie", "a=1; b=2"),
        ("Cookie", "c=3"),
        ("X-Forwarded-For", "198.51.100.7"),
    ]
    before_ms = int(time.time() * 1000)
    event = event_for(api, "GET", "/api/v1/voip/room?token=t", headers=headers)
    assert list(event)[:4] == ["version", "routeKey", "rawPath", "rawQueryString"]
    assert event["version"] == "2.0"
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    received = event["headers"]
    assert "cookie" not in received
    assert received["x-custom"] == "1,2"
    assert received["x-forwarded-for"] == "198.51.100.7, 127.0.0.1"
    assert received["host"] == f"{api[0]}:{api[1]}"
    assert all(name == name.lower() for name in received)
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/api/v1/voip/room",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "contact-center/1.0",
    }
    assert context["stage"] == "$default"
    assert context["domainName"] == "127.0.0.1" and context["accountId"] and context["apiId"]
    assert before_ms <= context["timeEpoch"] <= int(time.time() * 1000)
    expected_time = time.strftime("%d/%b/%Y:%H:%M", time.gmtime(context["timeEpoch"] / 1000))
    assert re.fullmatch(re.escape(expected_time) + r":\d\d \+0000", context["time"])


def test_path_parameters_and_raw_path_are_decoded(api: tuple[str, int]) -> None:
    event = event_for(api, "GET", "/api/v1/livechat/visitor/a%20b+c%C3%A9")
    assert event["routeKey"] == "GET /api/v1/livechat/visitor/{token}"
    assert (
        event["rawPath"]
        == event["requestContext"]["http"]["path"]
        == ("/api/v1/livechat/visitor/a b+cé")
    )
    assert event["pathParameters"] == {"token": "a b+cé"}


def test_route_precedence_exact_then_variables_then_greedy(api: tuple[str, int]) -> None:
    assert event_for(api, "GET", "/files/readme")["routeKey"] == "GET /files/readme"
    greedy = event_for(api, "DELETE", "/files/a/b%20c")
    assert greedy["routeKey"] == "ANY /files/{proxy+}"
    assert greedy["pathParameters"] == {"proxy": "a/b c"}


@pytest.mark.parametrize(
    ("content_type", "as_text"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("text/plain", True),
        ("application/xml", True),
        ("application/javascript", True),
        ("application/x-www-form-urlencoded", False),  # what curl -d sends
        ("application/octet-stream", False),
        (None, False),
    ],
)
def test_body_as_text_or_base64(
    api: tuple[str, int], content_type: str | None, as_text: bool
) -> None:
    body = '{"visitor":{"token":"é"}}'.encode()
    headers = [("Content-Type", content_type)] if content_type else []
    event = event_for(api, "POST", "/api/v1/livechat/visitor", headers=headers, body=body)
    assert event["isBase64Encoded"] is (not as_text)
    expected = body.decode() if as_text else base64.b64encode(body).decode()
    assert event["body"] == expected


def test_chunked_body(api: tuple[str, int]) -> None:
    chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    headers = [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]
    event = event_for(api, "POST", "/api/v1/livechat/visitor", headers=headers, body=chunked)
    assert event["body"] == "hello world"


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/nope"),
        ("POST", "/api/v1/voip/room"),
        ("TRACE", "/api/v1/voip/room"),
        ("BREW", "/api/v1/voip/room"),
        ("GET", "/api/v1/voip/room/"),
        ("GET", "/"),
    ],
)
def test_unknown_route_is_404_not_found(api: tuple[str, int], method: str, target: str) -> None:
    response, payload = send(api, method, target)
    assert (response.status, payload) == (404, b'{"message":"Not Found"}')
    assert response.headers["Content-Type"] == "application/json"


def test_unparsable_request_is_a_json_400(api: tuple[str, int]) -> None:
    with socket.create_connection(api, timeout=10) as raw:
        raw.sendall(b"GET /api/v1/voip/room HTTP/9.9 extra\r\n\r\n")
        answer = raw.makefile("rb").read()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/json" in head
    assert body == b'{"message":"Bad Request"}'


def test_function_error_is_500_internal_server_error(
    api: tuple[str, int], capfd: pytest.CaptureFixture[str]
) -> None:
    response, payload = send(api, "GET", "/boom")
    assert (response.status, payload) == (500, b'{"message":"Internal Server Error"}')
    assert "the function failed" in capfd.readouterr().err


def test_result_is_turned_into_the_response(api: tuple[str, int]) -> None:
    connection = http.client.HTTPConnection(*api, timeout=10)
    connection.request("GET", "/raw")
    response = connection.getresponse()
    assert (response.status, response.read()) == (201, b"\x00\xffbytes")
    assert response.headers["x-one"] == "1"
    assert response.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2"]

    connection.request("GET", "/plain")  # the same connection: keep-alive
    plain = connection.getresponse()
    assert (plain.status, json.loads(plain.read())) == (200, {"just": "a result"})
    assert plain.headers["Content-Type"] == "application/json"
    connection.close()


def test_requests_are_served_concurrently(api: tuple[str, int]) -> None:
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        events = list(pool.map(lambda _: event_for(api, "GET", "/slow"), range(8)))
    assert len({event["requestContext"]["requestId"] for event in events}) == 8
    assert time.perf_counter() - started < 8 * 0.5 / 2  # well under one-at-a-time


def test_the_stack_reads_its_routes_functions_and_settings_from_template_yaml() -> None:
    template = load_template()
    routes = http_api_routes(template)
    match = match_route(routes, "GET", "/api/v1/voip/room")
    assert match is not None and match.route.function_id == "VoipRoomFunction"
    spec = function_specs(template)["VoipRoomFunction"]
    assert spec.handler_file.is_file() and spec.handler_name == "lambda_handler"
    environment = template_environment(template)
    assert environment["ROOMS_TABLE"] == "RoomsTable"
    assert environment["RATE_LIMIT_REQUESTS"] == "5"
    assert environment["VOIP_ROOM_ROLES"] == "livechat-agent"
