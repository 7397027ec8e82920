from qunfang.org.divisions import iter_divisions, read_subtree


def test_it_ships_all_five_levels_of_the_2023_codes():
    lengths: dict[int, int] = {}
    for code, _name in iter_divisions():
        lengths[len(code)] = lengths.get(len(code), 0) + 1
    assert lengths == {2: 31, 4: 342, 6: 2978, 9: 41352, 12: 620573}


def test_it_reads_a_subtree_with_its_ancestors():
    rows = dict(read_subtree("140525100"))
    assert rows["14"] == "山西省"
    assert rows["1405"] == "晋城市"
    assert rows["140525"] == "泽州县"
    assert rows["140525100"] == "南村镇"
    assert rows["140525100200"] == "南村村委会"
    assert not any(code.startswith("140525101") for code in rows)
    assert not any(code.startswith("1404") for code in rows)


def test_it_returns_nothing_for_an_unknown_code():
    assert read_subtree("140599") == ()
    assert read_subtree("99") == ()
