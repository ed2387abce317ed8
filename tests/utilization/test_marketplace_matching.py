"""Match scoring: IPC main group over subclass over class, text overlap, kinds, and the bound on
the candidates scored."""

import pytest

from ipcity.utilization import matching
from ipcity.utilization.matching import (
    candidates,
    matches,
    normalize_ipc_codes,
    parse_ipc,
    score_pair,
)

from ..factories import make_org
from .test_marketplace_builders import make_need, make_offer


@pytest.mark.parametrize(
    ("text", "subclass", "group", "code"),
    [
        ("G06F 16/00", "G06F", "G06F16", "G06F16/00"),
        ("g06f0016/30", "G06F", "G06F16", "G06F16/30"),
        ("Ｇ０６Ｎ３/０８", "G06N", "G06N3", "G06N3/08"),
        ("H04L", "H04L", "", "H04L"),
        ("B25J9", "B25J", "B25J9", "B25J9"),
    ],
)
def test_ipc_codes_are_read_in_the_forms_people_type(text, subclass, group, code):
    ipc = parse_ipc(text)
    assert (ipc.subclass, ipc.group, ipc.code) == (subclass, group, code)


def test_ipc_lists_are_normalized_and_bad_parts_reported():
    stored, bad = normalize_ipc_codes("G06F 16/00；g06n3/08, G06F16/00、图像")
    assert stored == "G06F16/00;G06N3/08"
    assert bad == ["图像"]


@pytest.mark.parametrize(
    ("text", "stored", "bad"),
    [
        ("G06F16/00 G06N3/08", "G06F16/00;G06N3/08", []),
        ("G06F 16/00 H04L 9/06", "G06F16/00;H04L9/06", []),
        ("G06F16/00,G06N3/08;B25J9", "G06F16/00;G06N3/08;B25J9", []),
        ("G06F16/00 见附件", "G06F16/00", ["见附件"]),
        ("G06F16/00X G06N3/08", "G06N3/08", ["G06F16/00X"]),
        ("G06F16/ 图像 2019", "", ["G06F16/", "图像", "2019"]),
    ],
)
def test_ipc_codes_separated_by_spaces_are_kept_and_leftovers_reported(text, stored, bad):
    assert normalize_ipc_codes(text) == (stored, bad)


def test_a_shared_main_group_scores_above_a_shared_subclass_above_nothing(world):
    a, b = world.enterprise_a, world.enterprise_b
    need = make_need(a, "寻求数据库检索技术", ipc="G06F16/30", kinds=())
    same_group = make_offer(b, "一种数据存储方法", ipc="G06F16/22", kinds=())
    same_subclass = make_offer(b, "一种数据存储方法", ipc="G06F9/50", kinds=())
    same_class = make_offer(b, "一种数据存储方法", ipc="G06N3/08", kinds=())
    other = make_offer(b, "一种数据存储方法", ipc="A61K36/00", kinds=())
    scores = {o.pk: score_pair(need, o) for o in (same_group, same_subclass, same_class, other)}
    group, subclass, cls, none = (
        scores[o.pk] for o in (same_group, same_subclass, same_class, other)
    )
    assert group.score > subclass.score > cls.score > none.score
    assert "IPC G06F16 shared" in group.reasons
    assert "IPC G06F shared" in subclass.reasons
    assert "IPC class G06 shared" in cls.reasons
    assert not any("IPC" in r for r in none.reasons)


def test_more_words_in_common_score_higher_and_are_named(world):
    need = make_need(
        world.enterprise_a,
        "寻求图像识别技术",
        description="用于生产线的缺陷检测，基于深度学习的图像识别。",
        kinds=(),
    )
    close = make_offer(
        world.enterprise_b,
        "基于深度学习的图像识别方法",
        description="用于工业缺陷检测。",
        kinds=(),
    )
    loose = make_offer(world.enterprise_b, "一种图像压缩方法", kinds=())
    close_match, loose_match = score_pair(need, close), score_pair(need, loose)
    assert close_match.score > loose_match.score > 5
    words = next(r for r in close_match.reasons if r.startswith("Common words: "))
    assert "图像" in words and "识别" in words and "深度" in words
    # Words every listing uses are no evidence.
    assert "方法" not in words and "技术" not in words


def test_unrelated_listings_score_low_even_with_compatible_kinds(world):
    need = make_need(world.enterprise_a, "寻求污水处理工艺", ipc="C02F3/28", kinds=("ordinary",))
    offer = make_offer(world.enterprise_b, "一种图像识别方法", ipc="G06V10/82", kinds=("ordinary",))
    match = score_pair(need, offer)
    assert match.score <= 10
    assert matches(need) == []


def test_compatible_kinds_add_points_and_a_reason(world):
    need = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82", kinds=("ordinary",))
    licence = make_offer(
        world.enterprise_b, "图像识别", ipc="G06V10/82", kinds=("ordinary", "open")
    )
    assignment = make_offer(world.enterprise_b, "图像识别", ipc="G06V10/82", kinds=("assignment",))
    open_kinds = make_offer(world.enterprise_b, "图像识别", ipc="G06V10/82", kinds=())
    a, b, c = (score_pair(need, o) for o in (licence, assignment, open_kinds))
    assert a.score > c.score > b.score
    assert "Licence kinds compatible: Ordinary licence" in a.reasons
    need_assign = make_need(world.enterprise_a, "图像识别", ipc="G06V10/82", kinds=("assignment",))
    assert "Kinds compatible: Assignment" in score_pair(need_assign, assignment).reasons


def test_matches_rank_published_listings_of_others_best_first(world):
    a, b = world.enterprise_a, world.enterprise_b
    need = make_need(a, "寻求图像识别技术", ipc="G06V10/82", kinds=("ordinary",))
    best = make_offer(b, "一种图像识别方法", ipc="G06V10/82", kinds=("ordinary",))
    good = make_offer(b, "一种视频处理装置", ipc="G06V20/40", kinds=("ordinary",))
    make_offer(b, "一种图像识别方法", ipc="G06V10/82", status="draft")
    make_offer(b, "一种图像识别方法", ipc="G06V10/82", status="closed")
    make_offer(a, "我们自己的图像识别方法", ipc="G06V10/82")
    found = matches(need)
    assert [m.listing for m in found] == [best, good]
    assert all(0 <= m.score <= 100 for m in found)
    # And the other way round: an offer finds the needs.
    assert [m.listing for m in matches(best)] == [need]


def test_candidates_are_bounded_and_fetched_in_one_query(world, django_assert_num_queries):
    owner = make_org()
    need = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82")
    for n in range(12):
        make_offer(owner, f"图像识别方案{n}", ipc="G06V10/82")
    for n in range(5):
        make_offer(owner, f"混凝土搅拌装置{n}", ipc="E04B1/38")
    assert len(list(candidates(need))) == 12
    assert len(list(candidates(need, limit=5))) == 5
    with django_assert_num_queries(1):
        found = matches(need, limit=5, top=3)
    assert len(found) == 3


def test_matching_scores_at_most_the_candidate_limit(world, monkeypatch):
    owner = make_org()
    need = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82")
    for n in range(8):
        make_offer(owner, f"图像识别方案{n}", ipc="G06V10/82")
    scored = []
    real = matching._score
    monkeypatch.setattr(matching, "_score", lambda a, b: scored.append(b) or real(a, b))
    matches(need, limit=4, top=10)
    assert len(scored) == 4


def test_a_listing_with_nothing_to_match_on_has_no_candidates(world, django_assert_num_queries):
    need = make_need(world.enterprise_a, "的", ipc="", kinds=())
    with django_assert_num_queries(0):
        assert list(candidates(need)) == []


def test_one_short_shared_word_is_weak_evidence(world):
    """Sharing only "智能" says little: it earns at most a third of the text points, while two
    shared words, or one long one, earn them in full."""
    need = make_need(world.enterprise_a, "寻求智能控制技术", kinds=())
    generic = make_offer(world.enterprise_b, "一种智能门锁", kinds=())
    two_words = make_offer(world.enterprise_b, "一种智能控制系统", kinds=())
    weak = score_pair(need, generic)
    assert weak.score <= matching.WEIGHT_TEXT * matching.WEAK_TEXT + matching.WEIGHT_KINDS / 2 + 1
    assert score_pair(need, two_words).score >= weak.score + 20
    long_word = make_need(world.enterprise_a, "寻求污水处理技术", kinds=())
    offer = make_offer(world.enterprise_b, "污水处理", kinds=())
    assert score_pair(long_word, offer).score >= 45


def test_the_candidate_limit_keeps_the_best_not_the_newest(world):
    import datetime

    from django.utils import timezone

    owner = make_org()
    need = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82")
    best = make_offer(
        owner,
        "一种图像识别方法",
        ipc="G06V10/82",
        published_at=timezone.now() - datetime.timedelta(days=400),
    )
    for n in range(6):  # newer, sharing one word only
        make_offer(owner, f"一种图像压缩方法{n}", ipc="A61K36/00")
    assert next(iter(candidates(need, limit=3))) == best
    assert matches(need, limit=3)[0].listing == best


def test_a_shared_ipc_class_alone_finds_a_candidate(world):
    need = make_need(world.enterprise_a, "寻求数据库检索技术", ipc="G06F16/30", kinds=())
    offer = make_offer(world.enterprise_b, "一种神经网络训练装置", ipc="G06N3/08", kinds=())
    make_offer(world.enterprise_b, "一种混凝土搅拌装置", ipc="E04B1/38", kinds=())
    assert list(candidates(need)) == [offer]
    match = score_pair(need, offer)
    assert "IPC class G06 shared" in match.reasons
    # A shared class alone is too little to show as a match.
    assert match.score < matching.MIN_SCORE and matches(need) == []


def test_a_main_group_is_not_a_prefix_of_another(world):
    """G06F16 is shared with G06F16/30, not with G06F160 (ranking in SQL agrees)."""
    need = make_need(world.enterprise_a, "寻求某技术", ipc="G06F16/30", kinds=())
    same = make_offer(world.enterprise_b, "甲成果", ipc="G06F16/22", kinds=())
    longer = make_offer(world.enterprise_b, "乙成果", ipc="G06F160/00", kinds=())
    ranked = {c.pk: c.match_rank for c in candidates(need)}
    assert ranked[same.pk] > ranked[longer.pk]


def test_generic_words_are_stopwords_kept_as_data():
    assert matching.STOPWORDS_FILE.name == "match_stopwords.txt"
    for word in ("演示", "专利技术", "一种", "技术"):
        assert word in matching.STOPWORDS
    assert "图像" not in matching.STOPWORDS


def test_noisy_matches_below_the_minimum_score_are_hidden(world):
    """Listings that share only generic words ("演示", "专利技术") or kinds are not matches;
    a real one still is."""
    need = make_need(world.enterprise_a, "演示需求：寻求专利技术", ipc="", kinds=("ordinary",))
    noise = make_offer(world.enterprise_b, "演示专利技术：一种门锁", ipc="E05B47/00")
    assert score_pair(need, noise).score < matching.MIN_SCORE
    assert matches(need) == []
    need2 = make_need(world.enterprise_a, "寻求图像识别技术", ipc="G06V10/82", kinds=("ordinary",))
    weak = make_offer(world.enterprise_b, "演示：一种智能门锁", ipc="E05B47/00")
    good = make_offer(world.enterprise_b, "一种图像识别方法", ipc="G06V10/82")
    found = matches(need2)
    assert [m.listing for m in found] == [good]
    assert weak not in [m.listing for m in found]
    assert all(m.score >= matching.MIN_SCORE for m in found)
