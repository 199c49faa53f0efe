"""Pages streamed to a private queue over the real broker: order, errors, a reader that leaves, silence."""

from __future__ import annotations

import pytest

from common.errors import NotFound, ServiceUnavailable
from common.nameko_ext.page_stream import PageSender, ReaderGone, receive_pages
from tests.integration.services.conftest import AMQP_URI


def test_pages_arrive_in_order_then_the_stream_ends() -> None:
    def start(queue: str) -> None:
        with PageSender(AMQP_URI, queue) as sender:
            for n in range(3):
                sender.page({"n": [n] * 2, "text": ["مرحبا", "é"]})
            sender.end()

    pages = list(receive_pages(AMQP_URI, start, timeout=10))
    assert pages == [{"n": [n] * 2, "text": ["مرحبا", "é"]} for n in range(3)]


def test_an_error_reaches_the_reader_as_the_domain_error_it_was() -> None:
    def start(queue: str) -> None:
        with PageSender(AMQP_URI, queue) as sender:
            sender.page({"n": [1]})
            sender.error(NotFound("household not found"))

    received = receive_pages(AMQP_URI, start, timeout=10)
    assert next(received) == {"n": [1]}
    with pytest.raises(NotFound, match="household not found"):
        next(received)


def test_a_reader_that_leaves_stops_the_sender() -> None:
    queues: list[str] = []

    def start(queue: str) -> None:
        queues.append(queue)
        with PageSender(AMQP_URI, queue) as sender:
            sender.page({"n": [1]})

    received = receive_pages(AMQP_URI, start, timeout=10)
    assert next(received) == {"n": [1]}
    received.close()  # the reader's connection closes: its exclusive queue is gone
    with PageSender(AMQP_URI, queues[0]) as sender, pytest.raises(ReaderGone):
        sender.page({"n": [2]})


def test_silence_is_a_timeout_not_a_hang() -> None:
    with pytest.raises(ServiceUnavailable, match="no page came"):
        list(receive_pages(AMQP_URI, lambda queue: None, timeout=1))
