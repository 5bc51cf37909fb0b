import pytest

from applens.errors import InvalidParameterError, SchemaError
from applens.ingest import parse_max_rejects
from applens.ingest.mapping import parse_map_options, resolve_mapping
from applens.schema import TABLES

EVENTS = TABLES["events"]


def test_same_names_and_aliases_are_mapped_and_the_rest_kept_as_properties():
    mapping = resolve_mapping(EVENTS, ["Timestamp", "user_id", "action", "os", "price"], {}, "f")
    assert mapping.columns == {"ts": ("Timestamp",), "user_id": ("user_id",),
                               "event": ("action",), "os": ("os",)}
    assert mapping.guessed == {"ts": "Timestamp", "event": "action"}
    assert mapping.extras == {"price": "price"}


def test_explicit_mapping_wins_and_can_join_columns():
    mapping = resolve_mapping(EVENTS, ["date", "time", "uid", "path", "timestamp"],
                              {"ts": ["date", "time"], "user_id": "uid", "event": "path"}, "f")
    assert mapping.columns["ts"] == ("date", "time")
    assert mapping.columns["event"] == ("path",)
    assert "path" not in mapping.columns  # a column feeds one canonical column only
    assert mapping.extras == {"timestamp": "timestamp"}


def test_missing_required_column_names_it_and_lists_what_exists():
    with pytest.raises(SchemaError) as caught:
        resolve_mapping(EVENTS, ["when", "who", "what"], {}, "log.csv")
    message = str(caught.value)
    assert "'ts'" in message and "'user_id'" in message and "'event'" in message
    assert "when, who, what" in message and "--map ts=<column>" in message


def test_explicit_mapping_to_an_absent_column_suggests_the_close_one():
    with pytest.raises(SchemaError, match=r"'usr_id'.*Did you mean 'user_id'"):
        resolve_mapping(EVENTS, ["ts", "user_id", "event"], {"user_id": "usr_id"}, "f")


def test_map_options_parse_and_reject_garbage():
    assert parse_map_options(["ts=date+time", "user_id = uid"]) == {
        "ts": ["date", "time"], "user_id": "uid"}
    with pytest.raises(SchemaError, match="canonical=source"):
        parse_map_options(["ts"])


def test_max_rejects_accepts_counts_and_shares():
    assert parse_max_rejects("10").exceeded(11, 100)
    assert not parse_max_rejects("10").exceeded(10, 100)
    assert parse_max_rejects("1%").exceeded(2, 100)
    assert not parse_max_rejects("1%").exceeded(1, 100)
    assert parse_max_rejects(None) is None
    with pytest.raises(InvalidParameterError, match="row count like 100"):
        parse_max_rejects("many")


@pytest.mark.parametrize(("columns", "missing", "hint", "not_hint"), [
    (["ts", "user_id", "what"], "event", "--map event=<column>", "<date>+<time>"),
    (["ts", "what", "event"], "user_id", "--map user_id=<column>", "<date>+<time>"),
    (["day", "user_id", "event"], "ts", "ts=<date>+<time>", "event="),
])
def test_the_missing_column_hint_suggests_what_fits_that_column(columns, missing, hint,
                                                                 not_hint):
    with pytest.raises(SchemaError) as caught:
        resolve_mapping(EVENTS, columns, {}, "log.csv")
    message = str(caught.value)
    assert repr(missing) in message and hint in message and not_hint not in message
