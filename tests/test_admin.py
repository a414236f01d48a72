"""The Django admin, where the secretariat keeps the programme: tasks, report settings, last year's values."""

from django.urls import reverse

from targets.models import Task, Unit


def test_an_admin_retires_tasks_and_edits_their_responsible_units(client, admin_user, programme):
    client.force_login(admin_user)
    tasks = Task.objects.filter(theme__campaign=programme, theme__number=5)
    response = client.post(reverse("admin:targets_task_changelist"),
                           {"action": "retire", "_selected_action": [t.pk for t in tasks[:2]]}, follow=True)
    assert "Đã thôi theo dõi 2 nhiệm vụ." in response.content.decode()
    assert list(tasks.values_list("number", "is_active")) == [(1, False), (2, False), (3, True), (4, True)]

    task = tasks.get(number=3)
    page = client.get(reverse("admin:targets_task_change", args=[task.pk])).content.decode()
    assert "đơn vị chủ trì" in page.lower()
    snv, stttt = Unit.objects.get(code="SNV"), Unit.objects.get(code="STTTT")
    response = client.post(reverse("admin:targets_task_change", args=[task.pk]), {
        "theme": task.theme_id, "number": 3, "title": task.title, "title_en": task.title_en,
        "responsible_units": [snv.pk, stttt.pk], "is_active": "on",
    })
    assert response.status_code == 302
    assert set(task.responsible_units.values_list("code", flat=True)) == {"SNV", "STTTT"}


def test_non_admins_cannot_reach_the_task_admin(client, viewer, programme):
    client.force_login(viewer)
    response = client.get(reverse("admin:targets_task_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
