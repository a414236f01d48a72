"""The demo gives each bloc a believable ranking, every piece of it marked as demo."""

from django.core.management import call_command

from targets import ranking
from targets.demo import DEMO_PLEDGE_DOCUMENT
from targets.models import Pledge, Registration, ScoreAdjustment


def test_each_bloc_has_a_spread_of_scores_and_a_leader(demo):
    result = ranking.build_ranking(demo)
    assert not result.final and result.quarter == 3
    for bloc in result.blocs:
        scores = [u.score for u in bloc.units if u.ranked]
        assert len(set(scores)) >= 4, bloc.code  # not everyone equal
        assert bloc.units[0].rank == 1 and bloc.units[0].score > 0
    districts = next(b for b in result.blocs if b.code == "KHOI-HUYEN")
    assert any(line.kind == "measure" for line in districts.units[0].lines)
    assert any(u.eligible_for_flag for u in districts.units) and any(u.bars for u in districts.units)


def test_the_demo_emulation_data_says_it_is_demo_and_is_seeded_once(demo):
    assert Pledge.objects.exclude(document=DEMO_PLEDGE_DOCUMENT.format(year=2024)).count() == 0
    assert ScoreAdjustment.objects.exclude(reason__startswith="[Demo]").count() == 0
    assert Registration.objects.exclude(note="[Demo]").count() == 0
    counts = (Pledge.objects.count(), Registration.objects.count(), ScoreAdjustment.objects.count())
    assert min(counts) > 0
    call_command("seed_demo", "--year", "2024")
    assert (Pledge.objects.count(), Registration.objects.count(), ScoreAdjustment.objects.count()) == counts
