"""A reviewer's comment and an admin's reason for reopening: long ones are kept whole, too long ones refused."""

from django.urls import reverse

from targets.models import Submission, Unit


def _submitted(programme, state="submitted"):
    return Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state=state)


def test_a_long_comment_returns_the_report_and_is_kept_whole(client, programme, reviewer):
    report = _submitted(programme)
    client.force_login(reviewer)
    comment = "Đề nghị rà soát lại số liệu thu ngân sách và bổ sung thuyết minh. " * 10  # 660 characters
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": comment}, follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.state == "returned" and report.review_comment == comment.strip()
    # The history keeps the start of it (its column holds 100 characters); the page shows it all.
    reason = report.history.latest("history_date").history_change_reason
    assert len(reason) == 100 and reason.endswith("…") and comment.startswith(reason[:-1])
    assert comment.strip() in response.content.decode()


def test_a_comment_over_the_limit_is_refused_with_a_message_and_nothing_changes(client, programme, reviewer):
    report = _submitted(programme)
    client.force_login(reviewer)
    page = client.get(reverse("submission", args=[report.pk])).content.decode()
    assert 'maxlength="2000"' in page and "Tối đa 2000 ký tự." in page
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": "x" * 2001}, follow=True)
    assert "Ý kiến quá dài: tối đa 2000 ký tự." in response.content.decode()
    report.refresh_from_db()
    assert report.state == "submitted" and report.review_comment == ""


def test_a_long_reason_reopens_an_approved_report(client, programme, admin_user):
    report = _submitted(programme, state="approved")
    client.force_login(admin_user)
    reason = "Cục Thống kê công bố số liệu chính thức sau khi báo cáo đã được duyệt; cần cập nhật toàn bộ. " * 3
    client.post(reverse("submission-decide", args=[report.pk]), {"action": "reopen", "comment": reason})
    report.refresh_from_db()
    assert report.state == "returned" and report.review_comment == reason.strip()
