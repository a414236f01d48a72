"""Who sees a commendation proposal, from the outside, on the unit's explanation page and in the
ranking API: until the council decides, a proposal is the secretariat's and admins' working paper;
officials and the unit's reporters see only the decision (awarded or not, its number and date).
And "rank N of M" on the explanation page counts the units ranked, not a unit listed after it left."""

import datetime

import pytest
from django.urls import reverse

from targets.models import BlocMembership, EmulationBloc, Proposal, Unit
from tests.test_emulation_pages import _year_rows, close, login, text, users, year  # noqa: F401 (fixtures)

SECRET = "Ghi chú nội bộ của Ban: chờ xác minh"
DECIDED_REASON = "Dẫn đầu khối, vượt thu ngân sách"


@pytest.fixture
def proposals(client, year, users):  # noqa: F811
    """The year closed and drafted: Hà Giang city's flag decided by the council, Đồng Văn's
    certificate still a draft carrying the secretariat's internal note."""
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    client.logout()
    Proposal.objects.filter(unit__code="024", kind="flag").update(
        state="awarded", reason=DECIDED_REASON, reason_en="", decision_number="123/QĐ-UBND",
        decision_date=datetime.date(2025, 1, 20), decided_by="Chủ tịch UBND tỉnh")
    Proposal.objects.filter(unit__code="026", kind="certificate").update(reason=SECRET, reason_en="")
    return Proposal.objects.all()


def _api_proposals(client, user) -> dict:
    if user is not None:
        login(client, user)
    data = client.get(reverse("api-ranking"), {"year": 2024}).json()
    return {u["code"]: u["proposal"] for b in data["blocs"] for u in b["units"]}


def _page(client, user, code):
    login(client, user)
    return client.get(reverse("ranking-unit", args=[code]), {"year": 2024})


# --- the API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_the_secretariat_and_admins_get_every_proposal_draft_and_reason_included(client, proposals, users, role):  # noqa: F811
    shown = _api_proposals(client, users[role])
    assert shown["026"]["state"] == "draft" and shown["026"]["reason"] == SECRET
    assert (shown["024"]["state"], shown["024"]["decision_number"], shown["024"]["decision_date"]) == ("awarded", "123/QĐ-UBND", "2025-01-20")


def test_officials_get_decisions_only_never_a_draft_as_the_proposals_page_is_closed_to_them(client, proposals, users):  # noqa: F811
    assert login(client, users["viewer"]).get(reverse("proposals"), {"year": 2024}).status_code == 403
    shown = _api_proposals(client, users["viewer"])
    assert shown["026"] is None  # a draft: not given, nor its reason
    assert not any(p and p["state"] not in ("awarded", "not_awarded") for p in shown.values())
    flag = shown["024"]
    assert (flag["kind"], flag["state"], flag["decision_number"], flag["decision_date"]) == ("flag", "awarded", "123/QĐ-UBND", "2025-01-20")
    assert SECRET not in str(shown)


def test_a_reporter_gets_their_units_decision_and_not_its_draft(client, proposals, users):  # noqa: F811
    mine = _api_proposals(client, users["reporter"])
    assert list(mine) == ["024"]
    assert (mine["024"]["state"], mine["024"]["decision_number"], mine["024"]["decision_date"]) == ("awarded", "123/QĐ-UBND", "2025-01-20")
    client.logout()
    theirs = _api_proposals(client, users["other_reporter"])
    assert theirs == {"026": None}  # its own certificate is still a draft


@pytest.mark.parametrize("state", ["draft", "proposed", "withdrawn"])
def test_a_proposal_the_council_has_not_decided_is_given_to_no_one_but_the_secretariat(client, proposals, users, state):  # noqa: F811
    Proposal.objects.filter(unit__code="024").update(state=state, decision_number="", decision_date=None, decided_by="")
    for role in ("viewer", "reporter"):
        client.logout()
        assert _api_proposals(client, users[role])["024"] is None, role
        assert "Đề nghị khen thưởng" not in text(_page(client, users[role], "024")), role
    client.logout()
    assert _api_proposals(client, users["reviewer"])["024"]["state"] == state


def test_a_not_awarded_decision_is_shown_as_such(client, proposals, users):  # noqa: F811
    Proposal.objects.filter(unit__code="026").update(state="not_awarded", decision_number="124/QĐ-UBND",
                                                     decision_date=datetime.date(2025, 1, 20), decided_by="Chủ tịch UBND tỉnh")
    assert _api_proposals(client, users["other_reporter"])["026"]["state"] == "not_awarded"
    body = text(_page(client, users["other_reporter"], "026"))
    assert "Bằng khen của Chủ tịch UBND tỉnh: Không được khen thưởng · Quyết định 124/QĐ-UBND 20/01/2025" in body


def test_anonymous_visitors_get_nothing(client, proposals):
    assert client.get(reverse("api-ranking"), {"year": 2024}).status_code == 401
    page = client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})
    assert page.status_code == 302 and "Quyết định" not in page.content.decode()


# --- the unit's explanation page ------------------------------------------------------------------------


def test_the_unit_page_shows_a_reporter_their_decision_and_never_a_draft(client, proposals, users):  # noqa: F811
    body = text(_page(client, users["reporter"], "024"))
    assert "Cờ thi đua của UBND tỉnh: Được khen thưởng · Quyết định 123/QĐ-UBND 20/01/2025" in body
    client.logout()
    drafted = text(_page(client, users["other_reporter"], "026"))
    assert "Dự thảo" not in drafted and "Bằng khen của Chủ tịch" not in drafted and "Đề nghị khen thưởng" not in drafted
    assert SECRET not in drafted
    client.logout()
    assert _page(client, users["other_reporter"], "024").status_code == 403


def test_the_unit_page_shows_officials_decisions_only(client, proposals, users):  # noqa: F811
    assert "Cờ thi đua của UBND tỉnh: Được khen thưởng · Quyết định 123/QĐ-UBND" in text(_page(client, users["viewer"], "024"))
    drafted = text(_page(client, users["viewer"], "026"))
    assert "Dự thảo" not in drafted and "Đề nghị khen thưởng" not in drafted


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_the_unit_page_shows_the_secretariat_the_draft(client, proposals, users, role):  # noqa: F811
    assert "Bằng khen của Chủ tịch UBND tỉnh: Dự thảo" in text(_page(client, users[role], "026"))
    assert "Cờ thi đua của UBND tỉnh: Được khen thưởng · Quyết định 123/QĐ-UBND" in text(_page(client, users[role], "024"))


# --- rank N of M ---------------------------------------------------------------------------------------


def test_rank_of_counts_the_units_ranked_not_one_listed_after_leaving_the_bloc(client, year, users):  # noqa: F811
    districts, economy = EmulationBloc.objects.get(code="KHOI-HUYEN"), EmulationBloc.objects.get(code="KHOI-KT")
    dong_van = Unit.objects.get(code="026")
    BlocMembership.objects.create(campaign=year, unit=dong_van, bloc=districts, to_quarter=2)
    BlocMembership.objects.create(campaign=year, unit=dong_van, bloc=economy, from_quarter=3)
    data = login(client, users["viewer"]).get(reverse("api-ranking"), {"year": 2024}).json()
    listed = {b["code"]: b["units"] for b in data["blocs"]}
    assert len(listed["KHOI-HUYEN"]) == 11 and [u["rank"] for u in listed["KHOI-HUYEN"] if u["code"] == "026"] == [None]
    ranked = {code: sum(1 for u in units if u["rank"] is not None) for code, units in listed.items()}
    assert ranked["KHOI-HUYEN"] == 10
    body = text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
    assert "xếp thứ 1/10" in body and "xếp thứ 1/11" not in body
    # The dashboards' unit page says the same of its ranking.
    body = text(client.get(reverse("unit", args=["024"]), {"year": 2024}))
    assert "xếp thứ 1/10" in body and "xếp thứ 1/11" not in body
    # Đồng Văn's page shows where it is ranked now, counted there.
    moved = text(client.get(reverse("ranking-unit", args=["026"]), {"year": 2024}))
    rank = next(u["rank"] for u in listed["KHOI-KT"] if u["code"] == "026")
    assert f"xếp thứ {rank}/{ranked['KHOI-KT']}" in moved
    # The unit listed but not ranked (it left, and went nowhere) says so, with no count.
    BlocMembership.objects.filter(unit=dong_van, bloc=economy).delete()
    left = text(client.get(reverse("ranking-unit", args=["026"]), {"year": 2024}))
    assert "Không xếp hạng" in left and "xếp thứ" not in left
    assert "xếp thứ 1/10" in text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
    client.cookies["django_language"] = "en"
    assert "rank 1 of 10" in text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en"))


# --- the workbook -----------------------------------------------------------------------------------


def _proposal_rows(client, user) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    login(client, user)
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    return [row for row in workbook["Đề nghị khen thưởng"].iter_rows(values_only=True) if row[1] and isinstance(row[0], int)]


def test_an_officials_copy_of_the_ranking_workbook_lists_decisions_only(client, proposals, users):  # noqa: F811
    official = _proposal_rows(client, users["viewer"])
    assert [(row[1], row[7]) for row in official] == [("Thành phố Hà Giang", "Được khen thưởng")]
    assert SECRET not in str(official)
    secretariat = _proposal_rows(client, users["reviewer"])
    assert len(secretariat) > 1 and any(row[4] == SECRET and row[7] == "Dự thảo" for row in secretariat)


def test_the_ranking_page_shows_officials_decisions_only(client, proposals, users):  # noqa: F811
    official = text(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}))
    assert "Cờ thi đua của UBND tỉnh (Được khen thưởng)" in official and "Dự thảo" not in official
    secretariat = text(login(client, users["reviewer"]).get(reverse("ranking"), {"year": 2024}))
    assert "(Dự thảo)" in secretariat
