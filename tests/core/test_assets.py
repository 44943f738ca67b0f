"""Tests of the asset hierarchy and its refusals."""

from __future__ import annotations

import json

import pytest

from bessemer.core import AssetTree, DataError, Node, NotFoundError, Signal, UnitError


def test_tree_paths_children_and_signals(tree):
    assert tree.path("fan-1") == ["pohang", "sinter", "sp1", "fan-1"]
    assert [n.id for n in tree.children(None)] == ["pohang"]
    assert [n.id for n in tree.children("sp1")] == ["fan-1", "fan-2"]
    assert [n.id for n in tree.equipment()] == ["fan-1", "fan-2"]
    assert {s.name for s in tree.signals("fan-1")} == {"vibration", "temp"}
    assert len(tree.signals()) == 3 and "fan-2" in tree and len(tree) == 5
    assert tree.signal("fan-1", "temp").unit == "degC"


def test_structure_is_enforced(tree):
    with pytest.raises(DataError, match="already exists"):
        tree.add(Node("fan-1", "equipment", "again", parent="sp1"))
    with pytest.raises(NotFoundError, match="parent"):
        tree.add(Node("fan-3", "equipment", "x", parent="nowhere"))
    with pytest.raises(DataError, match="must sit under"):
        tree.add(Node("fan-3", "equipment", "x", parent="sinter"))
    with pytest.raises(DataError, match="cannot have a parent"):
        tree.add(Node("s2", "site", "x", parent="pohang"))
    with pytest.raises(NotFoundError):
        tree.add_signal(Signal("sp1", "x"))  # signals belong to equipment
    with pytest.raises(NotFoundError):
        tree.node("ghost")
    with pytest.raises(NotFoundError):
        tree.signal("fan-2", "temp")


@pytest.mark.parametrize("bad", ["", "   ", "a<b>", "tab\tid", "x" * 121])
def test_bad_ids(bad):
    with pytest.raises(DataError):
        Node(bad, "site", "x")


def test_bad_level_and_unit():
    with pytest.raises(DataError, match="level"):
        Node("x", "plant", "x")  # type: ignore[arg-type]
    with pytest.raises(UnitError):
        Signal("fan-1", "v", "furlong")
    assert Signal("fan-1", "t", "°C").unit == "degC"


def test_dict_and_file_round_trip(tree, tmp_path):
    again = AssetTree.from_dict(tree.to_dict())
    assert again.to_dict() == tree.to_dict()
    p = tmp_path / "assets.json"
    tree.save(p)
    assert AssetTree.load(p).to_dict() == tree.to_dict()
    assert "주 송풍기 1" in p.read_text(encoding="utf-8")


def test_bad_asset_files(tmp_path):
    p = tmp_path / "a.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError) as info:
        AssetTree.load(p)
    assert info.value.file == str(p)
    p.write_text(json.dumps({"nodes": [{"id": "x", "level": "site", "name": "x", "colour": "red"}]}))
    with pytest.raises(DataError, match="unexpected fields"):
        AssetTree.load(p)
    with pytest.raises(DataError):
        AssetTree.load(tmp_path / "missing.json")
