"""The doctor's admin page: staff only, each finding linking to its records."""

from http import HTTPStatus

import pytest

from libya.desk import doctor
from libya.desk.models import Claim
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db

# The request's savepoint and its release, session and user, the admin's app list
# (user and group permissions), then one query per rule whatever the findings.
PAGE_QUERIES = 2 + 2 + 2 + len(doctor.RULES)


def test_doctor_page_lists_findings_with_links_to_their_records(
    editor_client, admin_root, django_assert_num_queries
):
    claim = ClaimFactory(article=ArticleFactory(), status=Claim.Status.VERIFIED)

    with django_assert_num_queries(PAGE_QUERIES):
        response = editor_client.get(f"{admin_root}desk/doctor/")

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "status-unsigned" in page
    assert f'href="{admin_root}desk/claim/{claim.pk}/change/"' in page
    assert '<p id="doctor-summary">Erreurs : 1,' in page


def test_doctor_page_on_the_corpus_shows_no_errors(editor_client, admin_root):
    response = editor_client.get(f"{admin_root}desk/doctor/")

    assert response.status_code == HTTPStatus.OK
    assert '<p id="doctor-summary">Erreurs : 0, avertissements : 4.' in response.content.decode()


def test_doctor_page_sends_anonymous_visitors_to_the_login(client, admin_root):
    response = client.get(f"{admin_root}desk/doctor/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(f"{admin_root}login/")
