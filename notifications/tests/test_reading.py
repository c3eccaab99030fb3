"""Reading replies without a server: the answer lines, line numbers and category matching."""

from __future__ import annotations

import pytest

from notifications.mailparse import answer_lines, parse_reply
from notifications.matching import CategoryMatcher, accepts_all, split_line_number


def test_answer_lines_stop_at_quote_and_signature():
    text = ("\n  Groceries  \n> quoted Restaurants\nsecond line\n-- \nJane\n")
    assert answer_lines(text) == ["Groceries", "second line"]
    assert answer_lines("Fuel\nOn Tue, 3 Nov 2026, Budget App <b@x> wrote:\nGroceries") == ["Fuel"]
    assert answer_lines("ok\n\nSent from my iPhone") == ["ok"]
    assert answer_lines("Pets\n-----Original Message-----\nFrom: x") == ["Pets"]
    assert answer_lines("Pets\n________________________________\nFrom: Budget") == ["Pets"]
    assert answer_lines("\n\n> all quoted\n") == []
    wrapped = "Fuel\n\nOn Tue, Nov 3, 2026 at 9:00 AM Budget App <\nbudget@home.test> wrote:\n\n> x"
    assert answer_lines(wrapped) == ["Fuel"]
    assert answer_lines("On second thought, Pets") == ["On second thought, Pets"]


@pytest.mark.parametrize("text, expected", [
    ("2 Groceries", (2, "Groceries")), ("#3: ok", (3, "ok")), ("line 4 - Pets", (4, "Pets")),
    ("12. Coffee shops", (12, "Coffee shops")), ("5", (5, "")), ("Groceries", (None, "Groceries")),
])
def test_split_line_number(text, expected):
    assert split_line_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("all OK", True), ("OK to all", True), ("Yes, all of them", True), ("ok", False),
    ("all groceries", False), ("all", False),
])
def test_accepts_all(text, expected):
    assert accepts_all(text) is expected


@pytest.mark.django_db
@pytest.mark.parametrize("text, kind, short", [
    ("Groceries", "category", "groceries"), ("  GROCERIES!! ", "category", "groceries"),
    ("food_delivery", "category", "food_delivery"), ("gas and fuel", "category", "fuel"),
    ("Food › Restaurants", "category", "restaurants"), ("coffee", "category", "coffee"),
    ("Grocieries", "category", "groceries"), ("resturant", "category", "restaurants"),
    ("OK", "accept", None), ("yes please", "accept", None), ("Yep.", "accept", None),
    ("gas", "ambiguous", None), ("insurance", "category", "insurance"),
    ("qqq zzz", "unclear", None), ("", "unclear", None),
])
def test_matcher(seeded, text, kind, short):
    choice = CategoryMatcher().match(text)
    assert choice.kind == kind
    assert (choice.category.short_desc if choice.category else None) == short


@pytest.mark.django_db
def test_matcher_ambiguous_lists_the_candidates(seeded):
    choice = CategoryMatcher().match("Gas")
    assert [c.short_desc for c in choice.closest] == ["fuel", "gas_heating"]


def test_parse_reply_reads_an_html_only_reply_without_its_blockquote():
    raw = (b"From: Owner <OWNER@Example.com>\r\nIn-Reply-To: <a@x>\r\nReferences: <z@x> <a@x>\r\n"
           b"Message-ID: <r@x>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p{}</style></head><body><p>Caf&eacute;s</p>"
           b"<blockquote><p>Groceries</p></blockquote></body></html>")
    reply = parse_reply(raw)
    assert reply.sender == "owner@example.com"
    assert reply.answers_ids == ["<a@x>", "<z@x>"]
    assert reply.message_id == "<r@x>" and not reply.auto_submitted
    assert answer_lines(reply.text) == ["Cafés"]


def test_parse_reply_survives_garbage():
    reply = parse_reply(b"\xff\xfe\x00garbage without headers\r\n\r\n\x00\x01")
    assert reply.sender == "" and reply.answers_ids == []
