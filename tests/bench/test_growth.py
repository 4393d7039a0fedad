"""The growth run's data: the larger scale is the smaller one's rows, then more."""

from types import SimpleNamespace

from bench.common import FIVE_M, FULL, QUICK, TINY5
from bench.datagen import PLANTED, Pools, segments
from bench.search import finds


def test_a_grown_scale_begins_with_its_base_rows_and_their_pools():
    base, grown = segments(TINY5)
    assert segments(QUICK) == [base]
    assert (base.first, base.last) == (PLANTED + 1, PLANTED + 10_000)
    assert (grown.first, grown.last) == (PLANTED + 10_001, PLANTED + 50_000)
    assert base.pools == Pools.for_allocations(10_000)
    assert grown.pools == Pools.for_allocations(50_000)


def test_the_5m_scale_grows_the_1m_data_in_a_database_of_its_own():
    assert segments(FIVE_M)[0] == segments(FULL)[0]
    assert FIVE_M.database != FULL.database


def _answer(status: int, text: str = "", location: str = ""):
    return SimpleNamespace(status_code=status, text=text, headers={"Location": location})


def test_an_answer_counts_only_when_it_names_the_allocation_expected():
    assert finds(_answer(302, location="/allocations/gp_1/"), ("gp_1",))
    assert not finds(_answer(302, location="/allocations/gp_2/"), ("gp_1",))
    assert finds(_answer(200, '<a href="/allocations/gp_9/">'), ())
    assert not finds(_answer(200, "No allocation matches these filters."), ())
    assert not finds(_answer(404, "gp_1"), ("gp_1",))
