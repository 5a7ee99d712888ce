"""The tokenizer's dictionary: domain words and place names read from the address CSVs."""

from __future__ import annotations

from pathlib import Path

from nlu.lexicon import domain_words, place_names
from nlu.tokenizer import Tokenizer


def test_place_names_from_address_files(tmp_path: Path) -> None:
    (tmp_path / "buildings.csv").write_text(
        "community_name,community_aliases,compound_name,compound_aliases,building_name,door_plate\n"
        "城南社区,城南社区居委会,锦园小区,锦园|锦苑,2号楼,华光路31号\n",
        encoding="utf-8",
    )
    (tmp_path / "people.csv").write_text(
        "person_code,role,name,phone\nP1,secretary,罗雪,18701083883\n", encoding="utf-8"
    )
    (tmp_path / "broken.csv").write_bytes(b"\xff\xfe\x00garbage")
    names = place_names(tmp_path)
    assert {"城南社区", "城南社区居委会", "锦园小区", "锦园", "锦苑", "华光路"} <= set(names)
    assert "罗雪" not in names  # a people file's names are personal data, not places
    assert "2号楼" not in names  # house numbers are the entity rules' business


def test_no_address_directory_is_fine(tmp_path: Path) -> None:
    assert place_names(tmp_path / "absent") == []
    assert place_names(None) == []


def test_tokenizer_keeps_dictionary_words_whole() -> None:
    tokenizer = Tokenizer([*domain_words(), "锦园小区"])
    tokens = tokenizer.tokens("锦园小区2号楼 楼道灯坏了，有人飞线充电 OK")
    assert "锦园小区" in tokens and "楼道灯" in tokens and "飞线充电" in tokens
    assert all(t.strip() for t in tokens)  # never a whitespace token
    assert "ok" in tokens  # normalised: lower case, full width to half width
    assert Tokenizer().tokens("ＡＢＣ") == ["abc"]


def test_shorthand_is_spelled_out_for_the_classifier_only() -> None:
    from nlu.features import expand_shorthand, masked_text, shorthand

    assert shorthand()["wy"] == "物业" and shorthand()["xq"] == "小区"
    assert expand_shorthand("wy不管,xq门口ddc乱停") == "物业不管,小区门口电动车乱停"
    # Only whole Latin runs: words that merely contain a shorthand stay as they are.
    assert expand_shorthand("wifi坏了 dtv wyx") == "wifi坏了 dtv wyx"
    assert masked_text("XQ的DT坏了", []) == "小区的电梯坏了"


def test_pinyin_syllables_and_grams() -> None:
    from nlu.pinyin import pinyin_grams, syllable

    assert [syllable(c) for c in "楼道灯绿a😀"] == ["lou", "dao", "deng", "lv", None, None]
    assert syllable("到") == syllable("道")  # the typo 楼到灯 sounds like 楼道灯
    assert pinyin_grams("路灯x坏了", (1, 2)) == ["lu", "deng", "lu_deng", "huai", "le", "huai_le"]
    assert pinyin_grams("", (1, 2)) == [] and pinyin_grams("abc 123", (1, 2)) == []
