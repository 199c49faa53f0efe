import json

import pytest
from nameko.exceptions import serialize as nameko_serialize

from common import protocol
from common.errors import Conflict, NotFound, UpstreamError, ValidationFailed, error_from_remote


def test_request_body_is_nameko_shape() -> None:
    body = json.loads(protocol.encode_request(("a", 1), {"k": "v"}))
    assert body == {"args": ["a", 1], "kwargs": {"k": "v"}}


def test_context_headers_are_prefixed_and_drop_none() -> None:
    headers = protocol.context_headers({"user_id": "u", "area": None, "call_id_stack": ["x"]})
    assert headers == {"nameko.user_id": "u", "nameko.call_id_stack": ["x"]}


def test_reply_with_result() -> None:
    reply = protocol.decode_reply(b'{"result": {"n": 1}, "error": null}')
    assert reply.result == {"n": 1} and reply.error is None


@pytest.mark.parametrize("body", [b"[]", b'{"result": 1}', b'{"result": 1, "error": "boom"}'])
def test_malformed_replies_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        protocol.decode_reply(body)


def test_non_json_reply_is_refused() -> None:
    with pytest.raises(ValueError):
        protocol.decode_reply(b"\xff not json")


def test_domain_error_round_trips_with_details() -> None:
    remote = {
        "exc_path": "common.errors.ValidationFailed",
        "exc_type": "ValidationFailed",
        "exc_args": ["the request is invalid", {"errors": [{"field": "area"}]}],
        "value": "the request is invalid",
    }
    err = error_from_remote(remote)
    assert isinstance(err, ValidationFailed)
    assert err.code == "validation_failed" and err.details == {"errors": [{"field": "area"}]}


def test_details_keep_their_types_through_nameko_serialisation() -> None:
    """nameko stringifies exception arguments that are not str, list or dict: a boolean must stay one."""
    details = {"related": True, "count": 3, "share": 0.5, "missing": None, "findings": [{"need": "food", "ok": False}]}
    sent = Conflict("a grant already covers this need", details)
    remote = json.loads(json.dumps(nameko_serialize(sent)))
    err = error_from_remote(remote)
    assert isinstance(err, Conflict) and err.details == details and str(err) == sent.message


def test_not_found_keeps_its_code() -> None:
    err = error_from_remote({"exc_path": "common.errors.NotFound", "exc_args": ["household not found"]})
    assert isinstance(err, NotFound) and err.http_status == 404 and str(err) == "household not found"


def test_unknown_remote_error_hides_its_message() -> None:
    err = error_from_remote(
        {"exc_path": "builtins.KeyError", "exc_type": "KeyError", "exc_args": ["secret"], "value": "'secret'"}
    )
    assert isinstance(err, UpstreamError) and "secret" not in err.message


def test_nameko_method_not_found_is_named() -> None:
    err = error_from_remote(
        {
            "exc_path": "nameko.exceptions.MethodNotFound",
            "exc_type": "MethodNotFound",
            "exc_args": ["nope"],
            "value": "nope",
        }
    )
    assert isinstance(err, UpstreamError) and "MethodNotFound" in err.message


def test_queue_names_follow_nameko() -> None:
    assert protocol.rpc_queue("registry") == "rpc-registry"
    assert (
        protocol.event_queue("registry", "household_registered", "reporting", "on_household_registered")
        == "evt-registry-household_registered--reporting.on_household_registered"
    )
