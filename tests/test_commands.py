"""The management commands, given what an operator mistypes: a one-line error, never a traceback."""

import io

import pytest
from django.core.management import CommandError, call_command

from targets.models import Campaign, Unit

WRITERS = [
    ("export_report", ["--year", "2024", "--quarter", "1"]),
    ("export_figures", ["--year", "2024"]),
    ("export_figures", ["--year", "2024", "--format", "csv"]),
    ("export_ranking", ["--year", "2024"]),
    ("export_template", ["--year", "2024", "--quarter", "1", "--unit", "024", "--user", "administrator"]),
    ("export_pledge_template", ["--year", "2024"]),
    ("backup", []),
]


@pytest.mark.parametrize("command, args", WRITERS)
def test_a_file_to_write_in_a_missing_folder_or_naming_a_folder_is_said(programme, admin_user, tmp_path, command, args):
    with pytest.raises(CommandError, match=r"khong-co: không có thư mục này"):
        call_command(command, *args, "-o", str(tmp_path / "khong-co" / "out.xlsx"))
    with pytest.raises(CommandError, match=r"là một thư mục; hãy ghi cả tên tệp cần tạo"):
        call_command(command, *args, "-o", str(tmp_path))


@pytest.mark.parametrize("command, args", [("load_programme", []), ("import_figures", ["--user", "administrator"]),
                                           ("import_pledges", ["--user", "administrator"]), ("restore", ["--yes"])])
def test_a_file_to_read_that_is_missing_or_a_folder_is_said(programme, admin_user, tmp_path, command, args):
    with pytest.raises(CommandError, match=r"khong-co.xlsx: không có tệp này"):
        call_command(command, str(tmp_path / "khong-co.xlsx"), *args)
    with pytest.raises(CommandError, match=r"là một thư mục, không phải tệp"):
        call_command(command, str(tmp_path), *args)


def test_copying_a_programme_to_an_earlier_year_or_no_year_is_said_or_done(programme):
    call_command("copy_campaign", "2024", "2019")  # an earlier year entered afterwards: its own five-year plan
    earlier = Campaign.objects.get(year=2019)
    assert (earlier.plan_start, earlier.plan_end) == (2016, 2020)
    for year in ("0", "40000"):
        with pytest.raises(CommandError, match=f"{year} không phải là năm của một chương trình"):
            call_command("copy_campaign", "2024", year)


def test_copying_a_programme_names_the_units_no_longer_active_that_it_still_assigns(programme):
    Unit.objects.filter(code="STC").update(is_active=False)  # retired after 2024, still the lead of budget revenue
    out = io.StringIO()
    call_command("copy_campaign", "2024", "2025", stdout=out)
    # Each named with what it is still given (the words the admin says on deactivating a unit).
    said = out.getvalue().split("Các đơn vị đã ngừng hoạt động vẫn được giao báo cáo năm 2025: ", 1)[1].split(". Hãy giao", 1)[0]
    assert said.startswith("STC – Sở Tài chính tỉnh Hà Giang (chỉ số 3") and said.count(" – ") == 1
    Unit.objects.filter(code="STC").update(is_active=True)
    call_command("copy_campaign", "2024", "2026", stdout=(quiet := io.StringIO()))
    assert "ngừng hoạt động" not in quiet.getvalue()


def test_a_deadline_the_admin_would_refuse_is_not_copied_and_the_quarter_takes_the_default(programme):
    import datetime

    from targets.models import Deadline

    # The demo keeps 2024's last quarter open for months: a year later the date is past what a deadline of 2025 may be.
    Deadline.objects.create(campaign=programme, quarter=4, due_on=datetime.date(2027, 2, 25))
    Deadline.objects.create(campaign=programme, quarter=1, due_on=datetime.date(2024, 4, 20))
    out = io.StringIO()
    call_command("copy_campaign", "2024", "2025", stdout=out)
    copied = Campaign.objects.get(year=2025)
    assert dict(copied.deadlines.values_list("quarter", "due_on")) == {1: datetime.date(2025, 4, 20)}
    assert all(not d.rule_problems() for d in copied.deadlines.all())
    assert copied.deadline(4) == datetime.date(2026, 1, 15)
    assert ("Hạn báo cáo quý IV năm 2024, chuyển sang năm 2025, nằm ngoài khoảng ngày cho phép; quý IV năm 2025 lấy hạn mặc định 15/01/2026."
            in out.getvalue())


def test_a_copied_programme_names_its_own_year_in_its_titles_and_theme_descriptions(programme):
    call_command("copy_campaign", "2024", "2025", stdout=io.StringIO())
    copied = Campaign.objects.get(year=2025)
    # What it was copied from, in the site's words, as the admin will read it.
    assert copied.source == "Sao chép từ chương trình năm 2024 số 322/CTr-UBND; hãy thay bằng văn bản của chương trình mới."
    first, third = copied.themes.get(number=1), copied.themes.get(number=3)
    assert copied.title.endswith("năm 2025") and first.title.endswith("năm 2025") and "the 2025 socio-economic" in first.title_en
    assert "kinh tế - xã hội năm 2025, với các chỉ tiêu" in first.description and "2024" not in first.description
    assert "giai đoạn 2023 - 2030" in third.description  # another period, not the programme's year
    # A term ending in the year and a dated document keep their years; only the programme's own year moves.
    third.description += " Thực hiện Nghị quyết nhiệm kỳ 2020 - 2025 và Kế hoạch số 15/KH-UBND ngày 10/01/2025 trong năm 2025."
    third.save()
    call_command("copy_campaign", "2025", "2026", stdout=io.StringIO())
    text = Campaign.objects.get(year=2026).themes.get(number=3).description
    assert text.endswith("nhiệm kỳ 2020 - 2025 và Kế hoạch số 15/KH-UBND ngày 10/01/2025 trong năm 2026.")


def test_make_runs_programme_loading_keeps_what_an_admin_changed_since(programme):
    from tests.conftest import PROGRAMME

    Unit.objects.filter(code="024").update(name="Thành phố Hà Giang (đổi tên)")  # an admin's edit for the new year
    out = io.StringIO()
    call_command("load_programme", "--if-absent", str(PROGRAMME), stdout=out)
    assert "Chương trình năm 2024 đã được nạp; giữ nguyên" in out.getvalue()
    assert Unit.objects.get(code="024").name == "Thành phố Hà Giang (đổi tên)"
    call_command("load_programme", str(PROGRAMME), stdout=io.StringIO())  # asked for: updated from the file
    assert Unit.objects.get(code="024").name == "Thành phố Hà Giang"


def test_an_admin_sets_up_the_next_year_from_the_programme_list_without_a_shell(client, admin_user, programme):
    from django.urls import reverse

    client.force_login(admin_user)
    url = reverse("admin:targets_campaign_changelist")
    assert "Lập chương trình năm sau từ chương trình này" in client.get(url).content.decode()
    page = client.post(url, {"action": "copy_to_next_year", "_selected_action": [programme.pk]}, follow=True).content.decode()
    assert "Đã tạo chương trình năm 2025 từ năm 2024" in page
    copied = Campaign.objects.get(year=2025)
    assert copied.measures.count() == programme.measures.count() and not copied.submissions.exists()
    # Again: said, nothing made twice.
    again = client.post(url, {"action": "copy_to_next_year", "_selected_action": [programme.pk]}, follow=True).content.decode()
    assert "Đã có chương trình năm 2025." in again and Campaign.objects.filter(year=2025).count() == 1
    both = client.post(url, {"action": "copy_to_next_year", "_selected_action": [programme.pk, copied.pk]}, follow=True)
    assert "Hãy chọn một chương trình để sao chép." in both.content.decode() and not Campaign.objects.filter(year=2026).exists()


def test_the_commands_speak_the_sites_language(programme, admin_user, tmp_path):
    """What an operator reads from the commands is in the site's language, as the pages are."""
    out = io.StringIO()
    call_command("export_report", "--year", "2024", "--quarter", "1", "-o", str(tmp_path / "bao-cao.xlsx"), stdout=out)
    assert out.getvalue() == f"Đã ghi tệp {tmp_path / 'bao-cao.xlsx'}\n"
    call_command("export_figures", "--year", "2024", "--format", "csv", "-o", str(tmp_path / "so-lieu.csv"), stdout=out)
    assert f"Đã ghi 0 số liệu vào {tmp_path / 'so-lieu.csv'}" in out.getvalue()
    call_command("export_ranking", "--year", "2024", "-o", str(tmp_path / "xep-hang.xlsx"), stdout=out)
    assert f"Đã ghi tệp {tmp_path / 'xep-hang.xlsx'} (kết quả xếp hạng tạm tính)." in out.getvalue()
    call_command("check_programme", "--year", "2024", stdout=out)
    assert "6 nội dung thi đua, 20 chỉ tiêu, 25 chỉ số." in out.getvalue()
    for command, args in [("export_report", ["--quarter", "1"]), ("export_figures", []), ("export_ranking", []),
                          ("export_template", ["--quarter", "1", "--user", "administrator"]), ("export_pledge_template", []),
                          ("check_programme", [])]:
        with pytest.raises(CommandError, match=r"^Không có chương trình năm 1999\.$"):
            call_command(command, "--year", "1999", *args, *([] if command == "check_programme" else ["-o", str(tmp_path / "x.xlsx")]))
    with pytest.raises(CommandError, match=r"^Không có đơn vị mã: khong-co\.$"):
        call_command("export_pledge_template", "--year", "2024", "--unit", "khong-co", "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match=r"^--days phải từ 1 đến 1825\.$"):
        call_command("issue_token", "administrator", "--days", "0")
    with pytest.raises(CommandError, match=r"^Chưa nạp gì:\n- "):
        (tmp_path / "hong.json").write_text("{", encoding="utf-8")
        call_command("load_programme", str(tmp_path / "hong.json"))


def test_restore_asked_with_nobody_to_answer_restores_nothing_and_says_so(programme, tmp_path, monkeypatch):
    """Run from a script or a cron line without --yes: no one types "yes", so nothing is restored,
    said in one line (not an EOFError traceback)."""
    backup = tmp_path / "sao-luu.dump"
    backup.write_bytes(b"not read")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match=r"^Chưa khôi phục gì\.$"):
        call_command("restore", str(backup))
    assert Campaign.objects.filter(year=2024).exists()


def test_a_programme_file_nested_too_deep_is_refused_in_one_line(db, tmp_path):
    deep = tmp_path / "sau.json"
    deep.write_text("[" * 100000, encoding="utf-8")
    with pytest.raises(CommandError, match=r"^Chưa nạp gì:\n- .*nested too deep"):
        call_command("load_programme", str(deep))
