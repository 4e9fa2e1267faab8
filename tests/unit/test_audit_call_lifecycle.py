"""Audit of the call-lifecycle routes against call-lifecycle.md: the places where the service
deviated from the contract, each pinned by a test.

- §2/§5: an email is trimmed as JavaScript's `trim()` trims it (no more, no less: U+001C..U+001F
  and U+0085 are not JavaScript whitespace, U+FEFF is), then lower-cased; the email match compares
  addresses trimmed the same way.
- docs/contract/voip-room.md §8 (applies to every route): a body is written as `JSON.stringify`
writes it, so text
  that holds a lone surrogate (valid in JSON, `"\\ud800"`) is escaped, never a gateway error.
- §4/§5: the duplicate-name rule of `issue-token` holds when the issues race on DynamoDB, where the
  loser's transaction may be cancelled with `TransactionConflict` rather than a failed condition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from voip_core.domain.auth import hash_token
from voip_core.domain.models import TokenRecord
from voip_core.store.tokens import PERSONAL_ACCESS_TOKEN, DuplicateTokenName
from voip_core.wiring import Services

from tests.unit.calls import Calls, compact
from tests.unit.conftest import PUBLIC_VISITOR_API, Actors, Api


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Rocket.Chat's visitor routes, public there: VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api) -> Calls:
    return Calls(api, rotate_ips=True)


def registered(calls: Calls, visitor: dict[str, Any]) -> dict[str, Any]:
    status, _, text = calls.register({"visitor": visitor})
    assert status == 200, text
    answer: dict[str, Any] = json.loads(text)["visitor"]
    return answer


def stored(services: Services, token: str) -> dict[str, Any]:
    visitor = services.visitors.get(token)
    assert visitor is not None
    return visitor.doc


# --- email: JavaScript's trim(), not Python's strip() ---------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("\x1cMary@Example.COM\x85", "\x1cmary@example.com\x85"),  # not JS whitespace: kept
        ("\x1f a@b \x1d", "\x1f a@b \x1d"),
        ("\ufeff\u00a0A@B\u3000\u2028", "a@b"),  # JS whitespace: trimmed
    ],
)
def test_a_new_visitors_email_is_trimmed_as_javascript_trims_it(
    calls: Calls, services: Services, sent: str, kept: str
) -> None:
    visitor = registered(calls, {"token": "t-mail", "email": sent})
    assert visitor["visitorEmails"] == [{"address": kept}]
    assert stored(services, "t-mail")["visitorEmails"] == [{"address": kept}]


def test_an_existing_visitors_email_is_trimmed_as_javascript_trims_it(
    calls: Calls, services: Services
) -> None:
    registered(calls, {"token": "t-again"})
    visitor = registered(calls, {"token": "t-again", "email": "B@X\x85"})
    assert visitor["visitorEmails"] == [{"address": "b@x\x85"}]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a@b.org", "a@b.org\x85"),
        ("\x1ca@b.org", "a@b.org"),
        ("a@b.org\x1e", " A@B.ORG "),
    ],
)
def test_the_email_match_compares_javascript_trimmed_addresses(
    calls: Calls, services: Services, first: str, second: str
) -> None:
    """Addresses that differ once JavaScript has trimmed them are different: no match, a new
    visitor, and the first one keeps its token."""
    one = registered(calls, {"token": "t-first", "email": first})
    two = registered(calls, {"token": "t-second", "email": second})
    assert two["_id"] != one["_id"] and two["token"] == "t-second"
    assert stored(services, "t-first")["_id"] == one["_id"]


def test_the_email_match_still_ignores_javascript_whitespace_and_case(
    calls: Calls, services: Services
) -> None:
    one = registered(calls, {"token": "t-one", "email": "a@b.org"})
    two = registered(calls, {"token": "t-two", "email": "\ufeff A@B.Org\u00a0"})
    assert (two["_id"], two["token"]) == (one["_id"], "t-two")
    assert services.visitors.get("t-one") is None


# --- bodies as JSON.stringify writes them ---------------------------------------------------------


def test_a_lone_surrogate_is_escaped_as_json_stringify_does(
    calls: Calls, api: Api, actors: Actors
) -> None:
    """`"a\\ud800b"` is valid JSON; JSON.stringify writes it back escaped. The body must be text
    the gateway can send (UTF-8), not a string it cannot encode (a bare 500 over HTTP)."""
    status, _, text = calls.register('{"visitor":{"token":"t-lone","name":"a\\ud800b"}}')
    assert status == 200, text
    text.encode("utf-8")
    assert '"name":"a\\ud800b"' in text
    assert json.loads(text)["visitor"]["name"] == "a\ud800b"
    status, _, text = calls.get("t-lone")
    assert status == 200
    text.encode("utf-8")
    assert json.loads(text)["visitor"]["name"] == "a\ud800b"
    agent = actors.user("kim.jane")
    status, _, text = api.call({"token": "t-lone", "agentId": agent[0]}, *agent)
    assert status == 200, text
    text.encode("utf-8")
    assert '"fname":"a\\ud800b"' in text


def test_a_surrogate_pair_is_written_as_the_character(calls: Calls) -> None:
    status, _, text = calls.register('{"visitor":{"token":"t-pair","name":"\\ud83d\\ude00"}}')
    assert status == 200
    assert '"name":"\U0001f600"' in text
    assert compact(json.loads(text)) == text


# --- integration tokens: the duplicate-name rule when DynamoDB reports a conflict -----------------


def _record(user_id: str, secret: str, name: str) -> TokenRecord:
    return TokenRecord(
        hash_token(secret),
        user_id,
        "2024-05-01T12:00:00.000Z",
        kind=PERSONAL_ACCESS_TOKEN,
        name=name,
        last_token_part=secret[-6:],
    )


def _conflict_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The next TransactWriteItems is cancelled as DynamoDB cancels one that overlaps another
    transaction on the same item; later ones go through."""
    client = services.tokens.client
    real = client.transact_write_items
    calls: list[int] = []

    def transact(**kwargs: Any) -> Any:
        calls.append(len(kwargs["TransactItems"]))
        if len(calls) == 1:
            raise client.exceptions.TransactionCanceledException(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", transact)
    return calls


def test_a_conflicting_issue_of_a_taken_name_is_still_a_duplicate(
    services: Services, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = actors.user("connector.bot")
    services.tokens.put(_record(user_id, "x" * 43, "pbx"))
    attempts = _conflict_once(services, monkeypatch)
    with pytest.raises(DuplicateTokenName):
        services.tokens.put(_record(user_id, "y" * 43, "pbx"))
    assert len(attempts) == 2
    names = [r.name for r in services.tokens.list_for_user(user_id)]
    assert names.count("pbx") == 1


def test_a_conflicting_issue_of_a_free_name_succeeds(
    services: Services, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = actors.user("connector.bot")
    attempts = _conflict_once(services, monkeypatch)
    services.tokens.put(_record(user_id, "z" * 43, "pbx"))
    assert len(attempts) == 2
    assert [r.name for r in services.tokens.list_for_user(user_id) if r.name] == ["pbx"]
