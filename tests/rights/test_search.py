import datetime
import re

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


def test_values_normalized_together_give_each_values_own_terms():
    """build_search_text normalizes all values at once; no term may join two values, and the
    terms are those of each value by itself, in order."""
    from ipcity.rights.search import search_values

    fields = {
        "title": "一种ＡＢＣ１２３装置 ",
        "abstract": "e\u0301té 图像",
        "inventors": "张三；李四",
        "application_number": "201910000001.1",
        "publication_number": "CN1234A",
        "main_ipc": "G06K9/62",
        "ipc_codes": "G06K9/62; H04L",
    }
    holders = ["北京示例有限公司", "末"]
    built = build_search_text(fields, holders).split(" ")
    assert built == [t for v in search_values(fields, holders) for t in terms(v)]
    assert "置e" not in built and "装置" in built and "末" in built


def test_terms_keep_pairs_inside_their_run():
    assert terms("图像识别") == ["图像", "像识", "识别", "别"]
    assert terms("基于LoRa的 无线") == ["基于", "于", "lora", "的", "无线", "线"]
    assert terms("Ｇ０６Ｋ") == ["g06k"]
    assert terms("，。") == []


def test_query_tokens_drop_compounds_their_parts_already_require():
    assert query_tokens("图像识别") == ["图像", "识别"]
    assert query_tokens("  ") == []


def test_single_characters_typed_together_stay_together():
    # jieba cuts words it does not know into characters; side by side they are one word.
    assert query_tokens("高性") == ["高性"]
    assert query_tokens("锂离") == ["锂离"]
    assert query_tokens("高 性") == ["高", "性"]  # typed apart: two words
    assert query_tokens("车联网通信") == ["车", "联网", "通信"]  # a word follows: unchanged
    assert query_tokens("图像的识别") == ["图像", "的", "识别"]
    # Words of one character side by side stay words.
    assert query_tokens("车与船") == ["车", "与", "船"]
    assert query_tokens("铜铝") == ["铜", "铝"]


def test_two_characters_typed_together_find_them_side_by_side(db):
    near = make_patent(title="高性能混凝土")
    apart = make_patent(title="高温下的柔性材料")
    found = set(search_filter(Patent.objects.all(), "高性"))
    assert near in found
    assert apart not in found


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
    assert search_index.tsquery_terms(tokens) == "'深度' & '学习' & 'g06v':* & '车':*"
    assert search_index.phrase_patterns(tokens) == []
    assert search_index.tsquery_terms(["图像识别", "g06"]) == "'图像' & '像识' & '识别' & 'g06':*"
    assert search_index.phrase_patterns(["图像识别", "图像"]) == ["%图像 像识 识别%"]


def test_a_phrase_needs_its_pairs_in_order_and_together(db):
    """The pairs of a word anywhere in a patent are not enough: they must stand together, in
    order (FTS5's phrase on SQLite; the index then LIKE on the terms on PostgreSQL)."""
    make_patent("一种凝土与混凝的方法")  # both pairs of 混凝土, apart
    make_patent("一种土凝混的装置")
    assert found("混凝土") == []
    make_patent("一种混凝土搅拌装置")
    assert found("混凝土") == ["一种混凝土搅拌装置"]
    assert found("混凝土 装置") == ["一种混凝土搅拌装置"]


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


def _sql(qs) -> str:
    return qs.query.sql_with_params()[0]


def test_sqlite_plan_follows_the_number_of_matches_and_keeps_the_rows(db, monkeypatch):

    import pytest
    from django.db import connection
    from django.db.models import Q

    from ipcity.core.paginators import bounded_count

    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 plan is SQLite's")
    _counted_world()
    base = Patent.objects.all()

    def plan(patents):
        return {
            "page": list(search_filter(patents, "电池").values_list("title", flat=True)[:3]),
            "count": bounded_count(search_filter(patents, "电池"), 4),
            "filtered": bounded_count(search_filter(patents, "电池").filter(is_high_value=True)),
        }

    few = plan(base)
    monkeypatch.setattr(search_index, "MANY_MATCHES", 2)
    many = plan(base)
    # Same rows and counts whichever way the planner is told to go.
    assert (
        few
        == many
        == {
            "page": ["一种电池装置6", "一种电池装置5", "一种电池装置4"],
            "count": (4, True),
            "filtered": (3, False),
        }
    )
    matched = search_filter(base, "电池")
    assert '+"rights_patent"."id" IN' in _sql(matched[:3])  # ordered: walk the date index
    assert '+"rights_patent"."id" IN' in _sql(matched.filter(is_high_value=True).order_by())
    alone = _sql(matched.order_by()[:5])
    assert '+"rights_patent"' not in alone and "LIMIT 5)" in alone  # the index stops at 5
    # Beside another condition the match list is never cut short.
    either = base.filter(Q(pk__in=matched.values("pk")) | Q(title__contains="混凝土"))
    assert bounded_count(either.order_by(), 10) == (7, False)
    monkeypatch.setattr(search_index, "MANY_MATCHES", 2000)
    assert "+" not in _sql(search_filter(base, "电池")[:3]).split("WHERE", 1)[1]


def test_a_boolean_filter_tests_the_column_by_value(db):
    from ipcity.rights.filters import PatentFilterSet

    make_patent("一种高价值装置", filing_date=datetime.date(2020, 1, 1), is_high_value=True)
    make_patent("一种普通装置", filing_date=datetime.date(2020, 1, 2))
    qs = PatentFilterSet({"high_value": "true"}, queryset=Patent.objects.all()).qs
    assert '"is_high_value" IN' in _sql(qs)  # an index of the column can be used
    assert [p.title for p in qs] == ["一种高价值装置"]
    qs = PatentFilterSet({"high_value": "false"}, queryset=Patent.objects.all()).qs
    assert [p.title for p in qs] == ["一种普通装置"]
    assert PatentFilterSet({}, queryset=Patent.objects.all()).qs.count() == 2


def test_the_ipc_prefix_finds_candidates_in_the_index_and_confirms_them(db, monkeypatch):
    from django.db import connection

    from ipcity.core.paginators import bounded_count
    from ipcity.rights.filters import PatentFilterSet

    make_patent("一种育苗装置", main_ipc="A01G9/14", ipc_codes="A01G9/14;A01G31/00")
    make_patent("一种灌溉装置", main_ipc="B05B1/00", ipc_codes="B05B1/00; A01G25/02")
    # The term "a01g9" is in its title, not in its codes: the index finds it, the codes do not.
    make_patent("一种A01G9型号的支架", main_ipc="F16M11/00", ipc_codes="F16M11/00")
    make_patent("一种电池", main_ipc="H01M10/00", ipc_codes="H01M10/00", is_high_value=True)

    def titles(**data):
        qs = PatentFilterSet(data, queryset=Patent.objects.all()).qs
        return sorted(qs.values_list("title", flat=True)), bounded_count(qs, 10)[0], qs

    for many in (2000, 1):
        monkeypatch.setattr(search_index, "MANY_MATCHES", many)
        assert titles(ipc="A01G")[:2] == (["一种灌溉装置", "一种育苗装置"], 2)
        assert titles(ipc="a01g9/1")[:2] == (["一种育苗装置"], 1)
        assert titles(ipc="H01M", high_value="true")[:2] == (["一种电池"], 1)
        assert titles(ipc="G06")[:2] == ([], 0)
    if connection.vendor == "sqlite":
        # Many matches: the codes only confirm them, so a count still starts from the index ...
        qs = titles(ipc="A01G")[2]
        assert "+" not in qs.order_by().query.sql_with_params()[0].split("WHERE", 1)[1]
        # ... but beside another filter it starts from that filter's index.
        qs = titles(ipc="A01G", high_value="true")[2]
        assert '+"rights_patent"."id"' in qs.order_by().query.sql_with_params()[0]


def test_the_led_tsquery_is_the_same_match_led_by_its_rarest_exact_term():
    tokens = query_tokens("车联网通信")
    assert search_index.tsquery_terms(tokens) == "'车':* & '联网' & '通信'"
    # No statistics: the first exact term leads.
    assert search_index.tsquery_led(tokens) == "'联网' & ('车':* | !'联网') & ('通信' | !'联网')"
    shares = {"联网": 0.09, "通信": 0.05, "车辆": 0.2}
    assert search_index.tsquery_led(tokens, shares) == (
        "'通信' & ('车':* | !'通信') & ('联网' | !'通信')"
    )
    # A term the statistics do not list is rarer than any they list.
    led = search_index.tsquery_led(query_tokens("锂离子电池"), {"电池": 0.1, "锂离": 0.02})
    assert led.split(" & ")[0] not in ("'电池'", "'锂离'")
    assert search_index.tsquery_led(query_tokens("电池")) == "'电池'"


def test_postgresql_pages_the_led_match_and_counts_the_plain_one(db):
    import pytest
    from django.db import connection

    from ipcity.core.paginators import bounded_count

    if connection.vendor != "postgresql":
        pytest.skip("the GIN match is PostgreSQL's")
    titles = ["一种车联网通信装置", "车联网的通信终端", "一种通信联网方法", "车载联网通信设备"]
    for day, title in enumerate(titles, start=1):
        make_patent(title, filing_date=datetime.date(2021, 3, day), is_high_value=day < 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_patent")
    matched = search_filter(Patent.objects.all(), "车联网通信")

    def tsquery(qs) -> str:
        return next(p for p in qs.query.sql_with_params()[1] if isinstance(p, str) and "'" in p)

    assert "| !" in tsquery(matched[:25])  # the page: estimated by the rarest term
    assert "| !" not in tsquery(matched.order_by()[:25])  # a count: the plain AND
    assert "| !" not in tsquery(matched.filter(is_high_value=True)[:25])  # beside a filter
    # The same rows either way: the newest first, a count, and beside a filter (一种通信联网方法
    # has no 车).
    assert list(matched.values_list("title", flat=True)) == [
        "车载联网通信设备",
        "车联网的通信终端",
        "一种车联网通信装置",
    ]
    assert bounded_count(matched, 10) == (3, False)
    assert list(matched.filter(is_high_value=True).values_list("title", flat=True)) == [
        "车联网的通信终端",
        "一种车联网通信装置",
    ]
    # A phrase on a page of its own is confirmed with strpos, the same rows as LIKE finds.
    make_patent("改性聚乙烯管材", filing_date=datetime.date(2021, 4, 1))
    # Both pairs, 聚乙 and 乙烯, but not as the phrase 聚乙烯: found by the index, not by strpos.
    make_patent("聚乙二醇与乙烯共聚物", filing_date=datetime.date(2021, 4, 2))
    phrase = search_filter(Patent.objects.all(), "聚乙烯")
    assert "strpos" in _sql(phrase[:25]) and "strpos" not in _sql(phrase.order_by()[:25])
    assert list(phrase.values_list("title", flat=True)) == ["改性聚乙烯管材"]
    assert bounded_count(phrase, 10) == (1, False)


def _counted_world():
    """Six battery patents (the even days high-value) and one concrete mixer, filed in 2020."""
    for day in range(1, 7):
        make_patent(
            f"一种电池装置{day}",
            filing_date=datetime.date(2020, 1, day),
            is_high_value=day % 2 == 0,
        )
    make_patent("一种混凝土搅拌装置", filing_date=datetime.date(2020, 2, 1))


def test_a_searched_list_within_the_bound_is_paged_by_the_keys_its_count_read(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ipcity.core.paginators import BoundedPaginator, counted

    _counted_world()
    matched = search_filter(Patent.objects.all(), "电池").filter(is_high_value=True)
    with CaptureQueriesContext(connection) as ctx:
        count, capped, rows = counted(matched, 5)
    assert (count, capped) == (3, False)
    (keys_sql,) = _queries(ctx)
    assert "COUNT(" not in keys_sql.upper() and "LIMIT 6" in keys_sql  # the keys, not a count
    page = _sql(rows[:2])
    assert '"rights_patent"."id" IN (' in page.split("WHERE", 1)[1]
    if connection.vendor == "postgresql":
        assert ") IS TRUE" in page  # the match only confirms the rows the keys find
    assert list(rows.values_list("title", flat=True)) == [
        "一种电池装置6",
        "一种电池装置4",
        "一种电池装置2",
    ]
    # The list's paginator reads its pages from there.
    paginator = BoundedPaginator(matched, 2, count_limit=5)
    assert [p.title for p in paginator.page(2).object_list] == ["一种电池装置2"]
    # Only the rows the count found: a patent that matches since is not among them.
    make_patent("一种电池装置9", filing_date=datetime.date(2020, 1, 9), is_high_value=True)
    assert rows.count() == 3 and "一种电池装置9" not in {p.title for p in rows.all()}
    # A row that stopped matching since the count is not shown: the conditions stay.
    Patent.objects.filter(title="一种电池装置6").update(is_high_value=False)
    assert [p.title for p in rows[:2]] == ["一种电池装置4", "一种电池装置2"]
    # Nothing matches: no page query.
    nothing = search_filter(Patent.objects.all(), "电池").filter(title="无")
    with CaptureQueriesContext(connection) as ctx:
        assert list(counted(nothing, 5).rows) == []
    assert len(_queries(ctx)) == 1


def _queries(ctx) -> list[str]:
    """The queries captured, but PostgreSQL's column statistics (read once in ten minutes)."""
    return [q["sql"] for q in ctx.captured_queries if "pg_stats" not in q["sql"]]


def test_keys_beyond_a_statements_parameters_are_counted_instead(db, monkeypatch):
    from ipcity.core import paginators

    _counted_world()
    matched = search_filter(Patent.objects.all(), "电池")
    monkeypatch.setattr(paginators, "max_params", lambda connection: 5)
    assert paginators.counted(matched, 10) == (6, False, matched)
    assert paginators.counted(matched, 5) == (5, True, matched)  # 6 keys: more than 5 params
    assert paginators.counted(matched, 4)[2] is not matched  # 5 keys fit


def test_a_list_without_a_match_or_with_one_row_per_group_is_counted_as_it_is(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ipcity.core.paginators import counted

    _counted_world()
    plain = Patent.objects.filter(is_high_value=True)
    distinct = search_filter(Patent.objects.all(), "电池").distinct()
    values = search_filter(Patent.objects.all(), "电池").values("patent_type")
    for queryset, expected in ((plain, 3), (distinct, 6), (values, 6)):
        with CaptureQueriesContext(connection) as ctx:
            found = counted(queryset, 10)
        assert found == (expected, False, queryset)
        assert "COUNT(" in ctx.captured_queries[0]["sql"].upper()


def test_postgresql_leads_a_filtered_page_once_its_count_found_many(db):
    import pytest
    from django.db import connection

    from ipcity.core.paginators import counted

    if connection.vendor != "postgresql":
        pytest.skip("the GIN match is PostgreSQL's")
    _counted_world()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_patent")
    matched = search_filter(Patent.objects.all(), "电池装置").filter(is_high_value=True)
    before = _sql(matched[:25])
    count, capped, rows = counted(matched, 2)
    assert (count, capped) == (2, True)
    assert "| !" in rows.query.sql_with_params()[1][0]  # led beside the filter
    assert "IS TRUE" not in _sql(rows[:25])
    assert _sql(matched[:25]) == before  # the list's own queryset is left as it was
    assert [p.title for p in rows[:2]] == ["一种电池装置6", "一种电池装置4"]


def test_postgresql_tests_a_broad_filter_on_the_matches_when_reading_the_keys(db):
    import pytest
    from django.db import connection
    from django.db.models import F
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from ipcity.core.paginators import counted
    from ipcity.rights.filters import PatentFilterSet

    if connection.vendor != "postgresql":
        pytest.skip("the GIN match is PostgreSQL's")
    holder = make_org("一号电池有限公司")
    # 20 patents: valid 14 (70%), lapsed 4 (20%), invalidated 2 (10%); the batteries are the
    # even ones.
    statuses = ["valid"] * 14 + ["lapsed"] * 4 + ["invalidated"] * 2
    for day, status in enumerate(statuses, start=1):
        title = f"一种电池装置{day}" if day % 2 == 0 else f"一种混凝土搅拌装置{day}"
        make_patent(
            title,
            holders=[holder] if day <= 4 else [],
            legal_status=status,
            filing_date=datetime.date(2020, 1, day),
            is_high_value=day > 10,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_patent")
    search_index._frequencies.clear()  # the statistics of another test's rows

    def listed(**data):
        query = QueryDict(mutable=True)
        for key, value in data.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        filterset = PatentFilterSet(query, queryset=Patent.objects.all())
        assert filterset.is_valid(), filterset.errors
        return filterset.qs

    def keys_query(qs) -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            found = counted(qs, 50)
        (sql,) = _queries(ctx)
        titles = sorted(p.title for p in found.rows)
        assert found.count == len(titles)  # the keys are the rows (the page confirms them)
        return sql, titles

    def expected(qs) -> list[str]:
        return sorted(qs.order_by().values_list("title", flat=True))

    column = r'"rights_patent"\."(?:legal_status|is_high_value)"'
    either = "'(?:lapsed|invalidated)'"  # the filter keeps its values in a set: either order
    broad = (
        ({"legal_status": "valid"}, rf"\({column} = 'valid'\) IS TRUE"),
        (
            {"legal_status": ["lapsed", "invalidated"]},
            rf"\({column} = {either} OR {column} = {either}\)\) IS TRUE",
        ),
        ({"high_value": "true"}, rf"\({column} IN \(true\)\) IS TRUE"),
    )
    for data, written in broad:
        qs = listed(q="电池", **data)
        before = _sql(qs)
        sql, titles = keys_query(qs)
        assert re.search(written, sql), (data, sql)
        assert titles == expected(qs) and titles  # the same rows
        assert _sql(qs) == before  # the list's own queryset is left as it was
    # Rarer filters, and filters of other tables or of dates, keep their indexes.
    for data in ({"legal_status": "invalidated"}, {"holder": str(holder.pk)}, {"year": "2020"}):
        qs = listed(q="电池", **data)
        sql, titles = keys_query(qs)
        assert "IS TRUE" not in sql, (data, sql)
        assert titles == expected(qs)
    # Two filters: only the broad one is tested on the matches.
    sql, titles = keys_query(listed(q="电池", legal_status="valid", attribution="outside"))
    assert sql.count("IS TRUE") == 1 and "'valid') IS TRUE" in sql and titles == []
    # A subquery or an expression as the values is left as it is.
    for values in (
        Patent.objects.filter(legal_status="valid").values("legal_status"),
        [F("legal_status")],
    ):
        qs = search_filter(Patent.objects.all(), "电池").filter(legal_status__in=values)
        sql, titles = keys_query(qs)
        assert "IS TRUE" not in sql and titles == expected(qs) and titles
    search_index._frequencies.clear()  # this test's statistics are no other test's


def test_postgresql_walks_the_order_for_a_common_ipc_prefix_once_its_count_found_many(db):
    import pytest
    from django.db import connection
    from django.http import QueryDict

    from ipcity.core.paginators import counted
    from ipcity.rights.filters import PatentFilterSet

    if connection.vendor != "postgresql":
        pytest.skip("the GIN match is PostgreSQL's")
    # 12 patents, 9 of them with an A01G code (main or not); a title naming A01G has no code.
    for day in range(1, 13):
        codes = "A01G9/14;A01G31/00" if day % 4 else "F16M11/00"
        if day == 3:
            codes = "B05B1/00; A01G25/02"
        title = "一种A01G9型号的支架" if day == 4 else f"一种育苗装置{day}"
        make_patent(
            title,
            main_ipc=codes.split(";")[0],
            ipc_codes=codes,
            filing_date=datetime.date(2021, 1, day),
            legal_status="lapsed" if day > 6 else "valid",
        )
    search_index._frequencies.clear()

    def listed(**data):
        query = QueryDict(mutable=True)
        for key, value in data.items():
            query.setlist(key, [value])
        filterset = PatentFilterSet(query, queryset=Patent.objects.order_by("-filing_date"))
        assert filterset.is_valid(), filterset.errors
        return filterset.qs

    def page(qs, bound: int):
        _count, capped, rows = counted(qs, bound)
        return capped, _sql(rows[:5]), [p.title for p in rows[:5]]

    newest = ["一种育苗装置11", "一种育苗装置10", "一种育苗装置9", "一种育苗装置7", "一种育苗装置6"]
    lapsed = ["一种育苗装置11", "一种育苗装置10", "一种育苗装置9", "一种育苗装置7"]
    # No statistics yet: the prefix's share is unknown, so the index finds the candidates.
    capped, sql, titles = page(listed(ipc="A01G"), 3)
    assert capped and "@@" in sql and titles == newest
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_patent")
    search_index._frequencies.clear()
    for data, expected in (({}, newest), ({"legal_status": "lapsed"}, lapsed)):
        # Many matches, and the prefix holds most rows: the page walks the order, the codes
        # decide the rows (the title naming A01G is not one), and they are the same rows.
        capped, sql, titles = page(listed(ipc="A01G", **data), 3)
        assert capped and "@@" not in sql and titles == expected
        # Within the bound, the page is read by the count's keys, through the index.
        capped, sql, titles = page(listed(ipc="A01G", **data), 50)
        assert not capped and "@@" in sql and titles == expected
    # A rare prefix, and a page deep in the list (an API offset), keep the index.
    search_index._frequencies.clear()
    for name, value in (("WALK_SHARE", 1.01), ("WALK_ROWS", 1)):
        old = getattr(search_index, name)
        try:
            setattr(search_index, name, value)
            capped, sql, titles = page(listed(ipc="A01G"), 3)
            assert capped and "@@" in sql and titles == newest, name
        finally:
            setattr(search_index, name, old)
    # A keyword search beside it is never left out: only the IPC prefix's codes confirm its
    # own match.
    capped, sql, titles = page(listed(ipc="A01G", q="育苗"), 3)
    assert capped and sql.count("@@") == 1 and titles == newest
    search_index._frequencies.clear()


def test_postgresql_finds_terms_among_the_high_value_patents_in_an_index_of_their_own(db):
    import pytest
    from django.db import connection

    from ipcity.core.paginators import counted

    if connection.vendor != "postgresql":
        pytest.skip("the GIN indexes are PostgreSQL's")
    for day in range(1, 9):
        make_patent(
            f"一种电池装置{day}", filing_date=datetime.date(2021, 1, day), is_high_value=day > 5
        )

    def indexes() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", ["rights_patent"]
            )
            return dict(cursor.fetchall())

    assert "WHERE is_high_value" in indexes()[search_index.PG_HIGH_VALUE_INDEX]
    # A database made before it gets it at the next migrate (ensure() after every migrate).
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {search_index.PG_HIGH_VALUE_INDEX}")
    assert search_index.ensure(connection) is True
    assert search_index.PG_HIGH_VALUE_INDEX in indexes()
    assert search_index.ensure(connection) is False
    # The planner takes it for a word among the high-value patents (on these few rows, only
    # once reading the whole table is ruled out), and the rows are those of the filter.
    rows = search_filter(Patent.objects.filter(is_high_value__in=[True]), "电池")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert search_index.PG_HIGH_VALUE_INDEX in plan, plan
    found = counted(rows, 50)
    assert sorted(p.title for p in found.rows) == [f"一种电池装置{day}" for day in (6, 7, 8)]
