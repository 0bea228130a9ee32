"""The upload page (projects/<id>/articles/add/): files and URLs into a project, through the
import of `import_articles --project` run as a job (the files stored first), then the job's page
with every refused input named."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotate.models import Job
from corpus.models import Article
from tests.factories import ArticleFactory, ProjectFactory
from tests.web_pages import article_page

pytestmark = [pytest.mark.django_db, pytest.mark.project(articles=[])]

PARAGRAPHS = [
    "The ministry said unemployment fell to four percent, the lowest figure in a decade.",
    "Economists noted that the count excludes people who stopped looking for work last year.",
    "The opposition called the claim misleading and asked the statistics office to review it.",
]


def _url(project) -> str:
    return reverse("annotate:articles-add", args=[project.pk])


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """POST the form as the logged-in client; the job runs when it commits (JOBS_RUN_INLINE),
    before the redirect to its page, which is followed."""

    def post(project, data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_url(project), data)
        if response.status_code != 302:
            return response
        job = Job.objects.latest("pk")
        assert response.url == reverse("annotate:job", args=[job.pk])
        return client.get(response.url)

    return post


def _files():
    markdown = SimpleUploadedFile(
        "budget.md", b"Budget doubles, says minister\n\nThe budget will double next year."
    )
    lines = [
        json.dumps({"title": "Bridge opens", "body": "The bridge opened on Monday."}),
        '{"title": "Broken", "body": ',  # line 2: not JSON
        json.dumps({"title": "Port expands", "body": "The port will expand by 2030."}),
    ]
    jsonl = SimpleUploadedFile("wire.jsonl", ("\n".join(lines) + "\n").encode())
    return [markdown, jsonl]


def test_editor_uploads_two_files_and_sees_the_report(client, submit, editor, project):
    client.force_login(editor)
    response = submit(project, {"files": _files(), "urls": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>3</strong> created" in page
    assert "<strong>1</strong> failed" in page
    assert "wire.jsonl:2" in page
    assert "budget.md" in page
    assert set(project.articles.values_list("title", flat=True)) == {
        "Budget doubles, says minister",
        "Bridge opens",
        "Port expands",
    }
    assert Article.objects.get(title="Budget doubles, says minister").origin == "budget.md"


def test_already_stored_text_joins_the_project(client, submit, editor, project):
    ProjectFactory(
        articles=[ArticleFactory(title="Elsewhere", body="The bridge opened on Monday.")]
    )
    client.force_login(editor)
    response = submit(project, {"files": _files()})
    assert "<strong>1</strong> already stored" in response.content.decode()
    assert project.articles.filter(title="Elsewhere").exists()


@pytest.mark.usefixtures("private_hosts_allowed")
def test_editor_adds_a_page_by_url(client, submit, editor, project, local_site):
    html = article_page("Jobless rate falls", PARAGRAPHS)
    url = local_site.page("/economy/jobs", html)
    client.force_login(editor)

    response = submit(project, {"urls": f"{url}\n\n{url}\n"})

    assert response.status_code == 200
    assert "<strong>1</strong> created" in response.content.decode()
    article = project.articles.get()
    assert (article.title, article.source_url, article.raw_text) == (
        "Jobless rate falls",
        url,
        html,
    )
    assert article.published_on is None


def test_url_inside_the_network_is_refused_on_the_page(client, submit, editor, project):
    client.force_login(editor)
    response = submit(
        project, {"urls": "http://169.254.169.254/latest/meta-data/\nhttp://10.0.0.1/"}
    )
    page = response.content.decode()
    assert "<strong>2</strong> failed" in page
    assert "169.254.169.254 is 169.254.169.254, a link-local address" in page
    assert "10.0.0.1 is 10.0.0.1, a private address" in page
    assert not Article.objects.exists()


def test_page_shows_the_form_to_editors(client, editor, project):
    client.force_login(editor)
    response = client.get(_url(project))
    assert response.status_code == 200
    assert 'type="file" name="files"' in response.content.decode()
    assert "multiple" in response.content.decode()


def test_project_page_links_editors_only(client, editor, reviewer, project):
    client.force_login(editor)
    assert (
        _url(project) in client.get(reverse("annotate:project", args=[project.pk])).content.decode()
    )
    client.force_login(reviewer)
    assert (
        _url(project)
        not in client.get(reverse("annotate:project", args=[project.pk])).content.decode()
    )


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_wrong_user_is_refused(client, project, request, who, status, method):
    client.force_login(request.getfixturevalue(who))
    stored = Article.objects.count()  # the outsider's own project has one
    response = getattr(client, method)(
        _url(project), {"files": _files()} if method == "post" else {}
    )
    assert response.status_code == status
    assert Article.objects.count() == stored


def test_anonymous_is_sent_to_log_in(client, project):
    response = client.post(_url(project), {"files": _files()})
    assert response.status_code == 302 and "/login" in response.url
    assert not Article.objects.exists()


def test_csrf_is_enforced(editor, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(_url(project), {"files": _files()})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_nothing_chosen_is_a_form_error(client, editor, project):
    client.force_login(editor)
    response = client.post(_url(project), {"urls": "  \n"})
    assert response.status_code == 400
    assert "Choose files or paste URLs." in response.content.decode()


def test_too_many_urls_are_refused(client, editor, project, settings):
    settings.FETCH_MAX_URLS = 2
    client.force_login(editor)
    urls = "\n".join(f"https://example.org/{n}" for n in range(3))
    response = client.post(_url(project), {"urls": urls})
    assert response.status_code == 400
    assert "At most 2 URLs at a time." in response.content.decode()


def test_overlong_url_is_refused_with_the_api_limit(client, editor, project):
    client.force_login(editor)
    response = client.post(_url(project), {"urls": "https://example.org/" + "a" * 2000})
    assert response.status_code == 400
    assert "Line 1: a URL may have at most 2000 characters." in response.content.decode()


def test_upload_over_the_limit_is_refused_before_it_is_read(client, editor, project, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(editor)
    big = SimpleUploadedFile("big.txt", b"Title\n\n" + b"word " * 100)
    response = client.post(_url(project), {"files": [big]})
    assert response.status_code == 413
    assert "at most 0.0001 MB" in response.content.decode()
    assert not Article.objects.exists()


def test_form_checks_the_size_of_the_files_too(client, editor, project, settings, monkeypatch):
    # A request without Content-Length (chunked) passes the middleware; the form still counts.
    monkeypatch.setattr("config.middleware._content_length", lambda request: 0)
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(editor)
    big = SimpleUploadedFile("big.txt", b"Title\n\n" + b"word " * 100)
    response = client.post(_url(project), {"files": [big]})
    assert response.status_code == 400
    assert "At most 0.0001 MB at a time" in response.content.decode()
    assert not Article.objects.exists()


def test_user_text_is_escaped(client, submit, editor, project):
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "<img src=x onerror=alert(1)>.jsonl",
        b'{"title": "<script>alert(1)</script>", "body": "Body."}\n',
    )
    page = submit(project, {"files": [upload]}).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


def test_uploaded_files_are_gone_after_the_import(
    client, submit, editor, project, tmp_path, monkeypatch, settings
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    client.force_login(editor)
    submit(project, {"files": _files()})
    job = Job.objects.get()
    assert [entry["name"] for entry in job.params["files"]] == ["budget.md", "wire.jsonl"]
    assert list(scratch.iterdir()) == []
    assert not list((tmp_path / "media" / "jobs" / str(job.pk) / "input").rglob("*.*"))


@pytest.mark.parametrize("lines", [1, 40])
def test_import_queries_stay_flat(
    client,
    editor,
    project,
    lines,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "many.jsonl",
        "".join(
            json.dumps({"title": f"Article {n}", "body": f"Body number {n}."}) + "\n"
            for n in range(lines)
        ).encode(),
    )
    # The request and the job run on its commit (JOBS_RUN_INLINE) together; the job's end looks
    # for other jobs' expired files once (job_files_purge). On PostgreSQL the search vectors of
    # the new articles and quotes are then filled, inline here: a few batch queries per table,
    # and one noting each configuration used (corpus_search_config).
    budget = 49 if connection.vendor == "postgresql" else 41
    with django_assert_max_num_queries(budget), django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(project), {"files": [upload]})
    assert response.status_code == 302
    assert Job.objects.get().result["created"] == lines
    assert project.articles.count() == lines


def test_empty_and_binary_files_fail_alone_named(client, submit, editor, project):
    client.force_login(editor)
    files = [
        SimpleUploadedFile("empty.txt", b""),
        SimpleUploadedFile("scan.txt", b"%PDF-1.4\n\xff\xfe\x00binary"),
        *_files(),
    ]
    response = submit(project, {"files": files})
    assert response.status_code == 200
    failures = response.content.decode().split('id="import-failures"')[1]
    assert "empty.txt" in failures and "scan.txt" in failures and "not UTF-8" in failures
    assert project.articles.count() == 3
