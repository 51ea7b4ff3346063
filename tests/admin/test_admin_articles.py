"""Adding an article by pasting or uploading a page: cleaned like an import, previewed first."""

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from libya.desk.models import Article, DatePrecision
from tests.factories import AliasFactory

PAGE = """ date 2020-06 Rechercher
Le maréchal Testé rencontre Choïgou Testé à Moscou

Le maréchal Testé a rencontré mercredi à Moscou le ministre Choïgou Testé, selon un communiqué.
Lire aussi : la Russie et la Turquie ne s'entendent pas sur la Libye
Les deux hommes ont évoqué la situation militaire autour de Tripoli et un cessez-le-feu.
"""


@pytest.fixture
def add_url() -> str:
    return reverse("admin:desk_article_add")


def test_paste_shows_the_preview_before_saving(editor_client, add_url, form_data):
    response = editor_client.post(add_url, {"raw_text": PAGE, "language": "fr"})

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'id="article-preview"' in html
    assert "<del>Lire aussi : la Russie et la Turquie" in html
    assert not Article.objects.filter(title__contains="Choïgou Testé").exists()


def test_second_submission_saves_the_cleaned_article(editor_client, add_url, form_data):
    shoigu = AliasFactory(name="Choïgou Testé").actor
    data = form_data(editor_client.get(add_url), "article_form")
    data["raw_text"] = [PAGE]
    data = form_data(editor_client.post(add_url, data), "article_form")

    response = editor_client.post(add_url, data)

    assert response.status_code == HTTPStatus.FOUND
    article = Article.objects.get(title="Le maréchal Testé rencontre Choïgou Testé à Moscou")
    assert "Lire aussi" not in article.body
    assert "Rechercher" not in article.body
    assert article.body.startswith("Le maréchal Testé a rencontré")
    assert (article.published_on.isoformat(), article.published_precision) == (
        "2020-06-01",
        DatePrecision.MONTH,
    )
    assert shoigu in article.mentioned_actors.all()
    assert article.source.startswith("admin_")


def test_upload_is_cleaned_and_moved_into_the_text_box(editor_client, add_url, form_data):
    data = form_data(editor_client.get(add_url), "article_form")
    data["document"] = SimpleUploadedFile("999_testupload.txt", PAGE.encode())
    data = form_data(editor_client.post(add_url, data), "article_form")
    assert data["raw_text"] == [PAGE]

    assert editor_client.post(add_url, data).status_code == HTTPStatus.FOUND


def test_empty_submission_asks_for_text(editor_client, add_url):
    response = editor_client.post(add_url, {"language": "fr"})
    assert "Collez le texte de l&#x27;article" in response.content.decode()


def test_export_button_writes_the_corpus_fixture(editor_client, settings, tmp_path):
    settings.FIXTURE_DIRS = [tmp_path]

    response = editor_client.post(reverse("admin:desk_export"), follow=True)

    assert "records written to" in response.content.decode()
    assert (tmp_path / "corpus.json").stat().st_size > 0


def test_export_needs_post_and_editor_rights(editor_client, outsider_client):
    assert editor_client.get(reverse("admin:desk_export")).status_code == 405
    assert outsider_client.post(reverse("admin:desk_export")).status_code == 403
