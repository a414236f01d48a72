"""When PostgreSQL rolls a save back to let another through (a deadlock, a serialization failure),
the person is told that nothing was saved and to send it again: a 409 page, not "the database is
unavailable" (it is not) and never a server error."""

import json
import threading
import time

import psycopg2
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory

from targets import workflow
from targets.middleware import DatabaseUnavailableMiddleware
from targets.models import Figure
from tests.test_entry_workflow import city, post_entry, reporter  # noqa: F401 (fixtures)


def a_real_deadlock() -> OperationalError:
    """PostgreSQL's own deadlock error, as Django raises it: two sessions each wait for a lock the
    other holds, and this one (the shorter deadlock_timeout) is the one PostgreSQL rolls back."""
    other = psycopg2.connect(**connection.get_connection_params())
    holding, go = threading.Event(), threading.Event()

    def hold():
        with other.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '10s'")
            cursor.execute("SELECT pg_advisory_xact_lock(4242)")
            holding.set()
            go.wait(10)
            cursor.execute("SELECT pg_advisory_xact_lock(4243)")  # waits for ours, until ours is rolled back
        other.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(10)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL deadlock_timeout = '100ms'")
            cursor.execute("SELECT pg_advisory_xact_lock(4243)")
            go.set()
            time.sleep(0.3)  # the other session now waits for 4243
            cursor.execute("SELECT pg_advisory_xact_lock(4242)")
    except OperationalError as error:
        return error
    finally:
        thread.join(20)
        other.close()
    raise AssertionError("no deadlock")


def test_a_save_rolled_back_by_a_deadlock_says_nothing_was_saved_and_to_send_it_again(client, reporter, monkeypatch):  # noqa: F811
    deadlock = a_real_deadlock()
    assert isinstance(deadlock.__cause__, psycopg2.errors.DeadlockDetected)
    real_save = workflow.save_figures

    def save_then_lose(**kwargs):
        real_save(**kwargs)  # written, then rolled back with the whole request's transaction
        raise deadlock

    monkeypatch.setattr(workflow, "save_figures", save_then_lose)
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "10"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Có người khác lưu cùng lúc nên những gì bạn gửi chưa được lưu. Hãy quay lại và gửi lại." in html
    assert 'href="/nhap-so-lieu/' in html  # back to the page
    assert not Figure.objects.exists()


def test_the_api_answers_a_collision_with_json_409(db):
    deadlock = a_real_deadlock()
    request = RequestFactory().post("/api/v1/anything/")
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, deadlock)
    assert response.status_code == 409 and "send it again" in json.loads(response.content)["error"]["message"]


def test_an_outage_is_still_the_503_page(db):
    outage = OperationalError("could not connect to server")
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(RequestFactory().get("/"), outage)
    assert response.status_code == 503


def test_a_deadlock_raised_through_psycopg2s_own_cursor_is_a_409_too(db):
    # Bulk writes run on psycopg2's cursor (workflow._update_figures): PostgreSQL's error comes bare, not wrapped by Django.
    deadlock = a_real_deadlock().__cause__
    assert isinstance(deadlock, psycopg2.errors.DeadlockDetected)
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(RequestFactory().post("/nhap-so-lieu/"), deadlock)
    assert response.status_code == 409
