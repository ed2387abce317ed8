from ipcity.rights import search_index
from ipcity.rights.models import Patent
from ipcity.rights.search import build_search_text, query_tokens, search_filter, terms

from ..factories import make_org
from .registry_builders import make_patent

TITLE = "一种基于深度学习的图像识别方法"


def found(query):
    return list(search_filter(Patent.objects.all(), query).values_list("title", flat=True))


def test_search_text_is_terms_of_every_field():
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
    terms = text.split(" ")
    # Chinese runs as overlapping pairs and their last character; ASCII runs whole, lowercased.
    for term in ("深度", "度学", "学习", "图像", "识别", "法", "张三", "李四", "北京"):
        assert term in terms
    for term in ("cn106869863a", "106869863a", "g06k9", "62", "201710117081", "2017101170817"):
        assert term in terms
    assert text == text.lower()
    assert not any(ch in text for ch in ".;/，")


def test_terms_keep_pairs_inside_their_run():
    assert terms("图像识别") == ["图像", "像识", "识别", "别"]
    assert terms("基于LoRa的 无线") == ["基于", "于", "lora", "的", "无线", "线"]
    assert terms("Ｇ０６Ｋ") == ["g06k"]
    assert terms("，。") == []


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


def test_search_by_one_character_a_prefix_and_a_publication_number(db):
    make_patent(TITLE, publication_number="CN106869863A")
    make_patent("一种混凝土搅拌装置")
    assert found("法") == [TITLE]  # the last character of a run
    assert found("搅") == ["一种混凝土搅拌装置"]  # the first character of a pair
    assert found("106869863") == [TITLE]
    assert found("CN1068") == [TITLE]


def test_search_needs_the_characters_together(db):
    make_patent("一种深的度量方法")
    assert found("深度") == []
    assert found("深 度量") == ["一种深的度量方法"]


def test_the_index_follows_changes_and_deletes(db):
    patent = make_patent(TITLE)
    patent.title = "一种混凝土搅拌装置"
    patent.search_text = build_search_text({"title": patent.title}, [])
    patent.save()
    assert found("图像") == []
    assert found("混凝土") == ["一种混凝土搅拌装置"]
    Patent.objects.filter(pk=patent.pk).delete()
    assert found("混凝土") == []


def test_match_expressions_of_each_engine():
    tokens = query_tokens("深度学习 G06V 车")
    assert search_index.fts5_expression(tokens) == '"深度" AND "学习" AND "g06v"* AND "车"*'
    assert search_index.tsquery_expression(tokens) == (
        "('深度') & ('学习') & ('g06v':*) & ('车':*)"
    )


def test_the_migration_rewrites_old_terms_and_rebuilds_the_index(db):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("ipcity.rights.migrations.0005_search_index")
    patent = make_patent(TITLE)
    Patent.objects.filter(pk=patent.pk).update(search_text="old tokens 一种基于深度学习")
    assert found("识别") == []

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.drop_index(apps, editor)
    migration.rewrite_terms(apps, editor)
    migration.create_index(apps, editor)
    assert found("识别") == [TITLE]
    assert Patent.objects.get(pk=patent.pk).search_text.startswith("一种 种基")
