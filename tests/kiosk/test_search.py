"""Finding service items by 汉字, full pinyin and pinyin initials (hallq.kiosk.search)."""
from __future__ import annotations

import pytest

from hallq.kiosk.search import rank, search, search_key

ITEMS = [
    ("GA01", "居民身份证申领", "县公安局"),
    ("GA02", "户口迁移", "县公安局"),
    ("SJ01", "个体工商户登记", "县市场监督管理局"),
    ("MZ01", "婚姻登记", "县民政局"),
    ("YH01", "银行开户证明", "县人民银行"),
    ("BDC1", "不动产登记（二手房）", "不动产登记中心"),
]


@pytest.mark.parametrize("query, found", [
    ("sfz", ["GA01"]),                 # the issue's own example
    ("SFZ", ["GA01"]),
    ("ｓｆｚ", ["GA01"]),               # full-width letters from a Chinese input method
    ("身份证", ["GA01"]),
    ("shenfenzheng", ["GA01"]),
    ("shenfz", ["GA01"]),              # a whole syllable, then initials
    ("s f z", ["GA01"]),               # spaces typed between letters
    ("hkqy", ["GA02"]),
    ("gtgsh", ["SJ01"]),
    ("hydj", ["MZ01"]),
    ("yhkh", ["YH01"]),                # 银行: háng, as the phrase reads it
    ("esf", ["BDC1"]),                 # punctuation in a name is skipped
    ("djzx", ["BDC1"]),                # found through its department only
    ("xyz", []),
    ("", []),
])
def test_queries_find_items(query, found):
    assert search(query, ITEMS) == found


def test_items_found_by_their_own_name_come_before_those_found_by_department():
    # "登记" is in three item names and in the 不动产登记中心 department.
    assert search("dj", ITEMS) == ["SJ01", "MZ01", "BDC1"]
    assert search("登记", ITEMS)[:3] == ["SJ01", "MZ01", "BDC1"]
    # 公安 is only a department: both police items, in the hall's order.
    assert search("公安", ITEMS) == ["GA01", "GA02"]
    assert search("gongan", ITEMS) == ["GA01", "GA02"]


def test_the_start_of_a_name_ranks_above_its_middle():
    assert rank("jm", "居民身份证申领") < rank("sf", "居民身份证申领")
    assert rank("居民", "居民身份证申领") == 0 and rank("身份", "居民身份证申领") == 1


def test_a_rare_reading_of_a_polyphone_still_finds_but_ranks_last():
    # 行 is read háng in 银行; typed as xíng it still finds the item, after usual readings.
    assert rank("yxkh", "银行开户证明") is not None
    assert rank("yxkh", "银行开户证明", heteronyms=False) is None
    assert rank("yhkh", "银行开户证明") < rank("yxkh", "银行开户证明")


def test_keys_read_each_character_with_its_phrase_reading_first():
    key = search_key("银行开户")
    assert key.readings[1][0] == "hang" and "xing" in key.readings[1]
    assert search_key("ABC证明").readings[:3] == (("a",), ("b",), ("c",))


def test_a_long_query_is_cut_not_refused():
    assert search("s" * 500, ITEMS) == []


# --- what citizens call things, and polyphones read only as people read them (issue 15) -------------

def demo_rows():
    from hallq.demo.hall import demo_hall_file
    spec = demo_hall_file()
    departments = {d.code: d.name for d in spec.departments}
    return [(i.code, i.name, departments[i.department], i.keywords) for i in spec.items]


@pytest.mark.parametrize("query, first", [
    ("医保", {"YB01", "YB02", "YB03", "YB04"}),
    ("yb", {"YB01", "YB02", "YB03", "YB04"}),  # the keyword's initials, typed whole: before 企业变更 (业变)
    ("yibao", {"YB01", "YB02", "YB03", "YB04"}),
    ("社保卡", {"RS01"}),
    ("sbk", {"RS01"}),
    ("营业执照", {"SJ01", "SJ02", "SJ03", "SJ04"}),
    ("yyzz", {"SJ01", "SJ02", "SJ03", "SJ04"}),
    ("低保", {"MZ02"}),
    ("dibao", {"MZ02"}),
    ("二手房", {"BDC01", "SW03"}),  # the transfer and its taxes
])
def test_the_demo_halls_keywords_find_what_citizens_call_things(query, first):
    found = search(query, demo_rows())
    assert set(found[:len(first)]) == first, found


def test_without_keywords_those_words_found_nothing():
    # The starting point: the formal names alone do not say 医保, 社保卡, 营业执照, 低保.
    bare = [row[:3] for row in demo_rows()]
    for query in ("医保", "社保卡", "营业执照", "低保"):
        assert search(query, bare) == [], query


def test_initials_do_not_match_through_a_reading_nobody_uses():
    names = {code: name for code, name, *_ in demo_rows()}
    found = [names[c] for c in search("hk", demo_rows())]
    assert "食品经营许可" not in found and "药品零售企业经营许可" not in found
    assert found == ["户口迁移（迁入）", "出生登记（新生儿落户）"]  # 户口, and the birth's keyword 户口
    assert rank("hk", "食品经营许可") is None  # 许 is xǔ: hǔ is in no word of pypinyin's phrase dictionary
    assert search_key("许可").readings == (("xu",), ("ke",))


def test_readings_people_use_are_kept():
    assert set(search_key("银行").readings[1]) == {"hang", "xing"}  # héng: one phrase, dropped
    assert set(search_key("会计").readings[0]) >= {"kuai", "hui"}  # 会计 kuài
    assert set(search_key("调解").readings[0]) == {"tiao", "diao"}
    assert rank("xh", "行会", heteronyms=True) is not None  # 行 xíng/háng either way


def test_a_keyword_ranks_after_the_same_match_in_a_name():
    items = [("A", "补换社保卡", "人社局", []), ("B", "社会保障卡", "人社局", ["社保卡"])]
    assert search("社保卡", items) == ["B", "A"]  # the keyword typed whole, then the name's middle
    assert search("社保", items) == ["B", "A"]
    assert search("补换", items) == ["A"]
