"""Ticket model options: read through options_for, and when sentence embeddings are used."""

from __future__ import annotations

import pytest

from applens.errors import ConfigError
from applens.models._options import options_for
from applens.models.tickets import use_embeddings
from applens.text.embed import available


def test_ticket_options_go_through_options_for_with_a_one_line_error() -> None:
    assert options_for("tickets-type", {"other_threshold": 0.3}).other_threshold == 0.3
    with pytest.raises(ConfigError, match=r"\[models.tickets-type\]: 'other_treshold'"):
        options_for("tickets-type", {"other_treshold": 0.3})


def test_embeddings_follow_the_option_and_else_the_language_and_the_model() -> None:
    english, russian = {"en": 0.9, "ru": 0.1}, {"ru": 1.0}
    for name in ("tickets-type", "tickets-negativity"):
        assert use_embeddings(name, options_for(name, {"embeddings": False}), english) is False
        assert use_embeddings(name, options_for(name, {"embeddings": True}), russian) is True
    unset = options_for("tickets-type", {})
    assert use_embeddings("tickets-type", unset, english) is available()
    assert use_embeddings("tickets-type", unset, russian) is False
    assert use_embeddings("tickets-negativity", options_for("tickets-negativity", {}),
                          english) is False
