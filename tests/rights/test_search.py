from ipcity.rights.models import Patent
from ipcity.rights.search import build_search_text, query_tokens, search_filter

from ..factories import make_org
from .registry_builders import make_patent

TITLE = "一种基于深度学习的图像识别方法"


def found(query):
    return list(search_filter(Patent.objects.all(), query).values_list("title", flat=True))


def test_search_text_is_lowercase_segmented_and_covers_every_field():
    text = build_search_text(
        {
            "title": TITLE,
            "abstract": "本发明公开了一种卷积神经网络",
            "inventors": "张三;李四",
            "application_number": "201710117081.7",
            "publication_number": "CN106869863A",
            "main_ipc": "G06K9/62",
        },
        ["北京示例科技有限公司"],
    )
    tokens = text.split(" ")
    for token in ("深度", "学习", "图像", "识别", "张三", "李四", "cn106869863a", "g06k9/62"):
        assert token in tokens
    assert "北京" in tokens and "科技" in tokens
    assert text == text.lower()


def test_query_tokens_drop_compounds_their_parts_already_require():
    assert query_tokens("图像识别") == ["图像", "识别"]
    assert query_tokens("  ") == []


def test_search_finds_a_chinese_title_by_a_word_inside_it(db):
    make_patent(TITLE)
    make_patent("一种混凝土搅拌装置")
    assert found("图像识别") == [TITLE]


def test_search_needs_every_word_of_the_query(db):
    make_patent(TITLE)
    make_patent("一种基于深度学习的语音合成方法")
    assert found("深度学习 图像") == [TITLE]
    assert sorted(found("深度学习")) == sorted([TITLE, "一种基于深度学习的语音合成方法"])


def test_search_does_not_find_unrelated_words(db):
    make_patent(TITLE)
    assert found("区块链") == []
    assert found("图像 混凝土") == []


def test_search_finds_holders_numbers_and_ipc(db):
    org = make_org("北京示例智能科技有限公司")
    patent = make_patent(TITLE, holders=[org], main_ipc="G06V10/82")
    assert found("示例智能") == [TITLE]
    assert found(patent.application_number) == [TITLE]
    assert found(patent.application_number.replace(".", "")) == [TITLE]
    assert found("g06v") == [TITLE]


def test_search_is_case_and_width_insensitive(db):
    make_patent("基于LoRa的无线抄表系统")
    assert found("lora") == ["基于LoRa的无线抄表系统"]
    assert found("ＬＯＲＡ") == ["基于LoRa的无线抄表系统"]
