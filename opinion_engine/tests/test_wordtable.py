import pytest

from opinion_engine.wordtable import WordTable, word_key


def test_a_table_answers_as_the_dict_it_replaces():
    pairs = {f"词{i}": i / 7 for i in range(5000)}
    table = WordTable(pairs.items())

    assert len(table) == 5000
    assert all(table.get(word, -1.0) == value for word, value in pairs.items())
    assert table.get("不在表里", -1.0) == -1.0
    assert "词42" in table and "词5000" not in table


def test_strings_with_the_same_stored_bytes_are_different_keys():
    # CPython hashes a string's stored bytes: 'zf' (7A 66, one byte a character) and 智
    # (U+667A, two bytes) have the same hash; a table of 智 must not answer for 'zf'.
    assert hash("zf") == hash("智")
    table = WordTable.of(["智"])

    assert "智" in table
    assert "zf" not in table
    assert word_key("zf") != word_key("智")


def test_a_word_given_twice_keeps_its_last_value_as_in_a_dict():
    pairs = [("口罩", 1.0), ("武汉", 2.0), ("口罩", 3.0), ("口罩", 4.0)]
    table = WordTable(pairs)

    assert len(table) == len(dict(pairs)) == 2
    assert table.get("口罩", 0.0) == dict(pairs)["口罩"] == 4.0
    assert table.get("武汉", 0.0) == 2.0


def test_an_empty_table_holds_nothing():
    table = WordTable.of([])

    assert len(table) == 0
    assert "词" not in table
    assert table.get("词", 0.5) == 0.5


@pytest.mark.parametrize("thing", [None, 3, b"zf"])
def test_only_strings_are_members(thing):
    assert thing not in WordTable.of(["zf"])
