"""API tokens expire (a year unless the owner chooses), show it on the account page, and a call
writes the time of last use at most once an hour."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from targets.models import ApiToken
from tests.conftest import make_user


@pytest.fixture
def official(programme):
    return make_user("official", "viewer")


def call(client, key):
    return client.get(reverse("api-units"), HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_new_token_works_for_a_year_by_default_and_the_account_page_says_so(client, official):
    client.force_login(official)
    page = client.get(reverse("profile")).content.decode()
    a_year = timezone.localdate() + datetime.timedelta(days=365)
    assert f'value="{a_year.isoformat()}"' in page  # the proposed expiry
    client.post(reverse("profile"), {"action": "issue", "name": "laptop", "expires_on": a_year.isoformat()})
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at).date() == a_year  # through the chosen day
    page = client.get(reverse("profile")).content.decode()
    with translation.override("vi"):
        assert "hiệu lực đến " + date_format(a_year, "SHORT_DATE_FORMAT") in page


def test_the_owner_chooses_a_shorter_life_and_nonsense_dates_are_refused(client, official):
    client.force_login(official)
    soon = timezone.localdate() + datetime.timedelta(days=30)
    client.post(reverse("profile"), {"action": "issue", "name": "script", "expires_on": soon.isoformat()})
    assert timezone.localtime(ApiToken.objects.get().expires_at).date() == soon
    for bad in ("2020-01-01", (timezone.localdate() + datetime.timedelta(days=6 * 365)).isoformat(), "abc"):
        response = client.post(reverse("profile"), {"action": "issue", "name": "x", "expires_on": bad})
        assert response.status_code == 200 and 'id="id_expires_on_error"' in response.content.decode()  # under the date
    assert ApiToken.objects.count() == 1


def test_an_expired_token_is_refused_with_a_reason(client, official):
    token, key = ApiToken.issue(official, "old", expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = call(client, key)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    client.force_login(official)
    assert "hết hạn" in client.get(reverse("profile")).content.decode()


def test_last_use_is_written_at_most_once_an_hour(client, official):
    token, key = ApiToken.issue(official, "script")
    assert call(client, key).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert call(client, key).status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=61))
    call(client, key)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_the_command_issues_tokens_for_a_chosen_number_of_days(official, capsys):
    call_command("issue_token", official.username, "--days", "7")
    token = ApiToken.objects.get()
    assert datetime.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= datetime.timedelta(days=7)


@pytest.mark.parametrize("value", ["abc", "", "²", "99999999999999999999999", "-1"])
def test_revoking_a_malformed_token_id_is_a_404_not_a_500(client, official, value):
    client.force_login(official)
    assert client.post(reverse("profile"), {"action": "revoke", "token": value}).status_code == 404


def test_the_account_pages_curl_line_can_be_pasted_into_a_shell(client, db):
    import html
    import re

    from django.urls import reverse

    from tests.conftest import make_user

    client.force_login(make_user("official-curl", "viewer"))
    page = html.unescape(client.get(reverse("profile")).content.decode())
    line = page.split("<code>curl ", 1)[1].split("</code>", 1)[0]
    # In quotes: unquoted, a shell ends the command at "&" and the API is asked for no quarter.
    assert re.search(r'"https?://[^"\s]+/api/v1/progress/\?year=2024&quarter=3"$', line.strip()), line


def test_a_token_sent_under_another_scheme_is_told_how_to_send_it(client, official):
    from django.urls import reverse

    from targets.models import ApiToken

    key = ApiToken.issue(official)[1]
    response = client.get(reverse("api-units"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Send the token as 'Authorization: Bearer <token>', not 'Token'."
    assert client.get(reverse("api-units"), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
