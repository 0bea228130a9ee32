"""An external tool's session: only HTTP calls and personal tokens, against a live server."""

import json
import urllib.error
import urllib.request

import pytest

from accounts.services import token_create
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Tool:
    def __init__(self, base_url: str, key: str):
        self.base_url, self.key = base_url, key

    def call(self, method: str, path: str, body=None, content_type="application/json"):
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def test_tool_creates_articles_spans_verdicts_and_adjudication_over_http(live_server):
    editor, first, second = UserFactory(is_staff=True), UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[first, second])
    tools = {
        user: Tool(f"{live_server.url}/api/v1", token_create(user=user, name="pipeline")[1])
        for user in (editor, first, second)
    }
    as_editor, as_first, as_second = tools[editor], tools[first], tools[second]

    lines = "\n".join(
        json.dumps({"title": f"Wire {n}", "body": f"Officials said 👋 talks went well on day {n}."})
        for n in range(3)
    )
    code, imported = as_editor.call(
        "POST", f"/articles/bulk/?project={project.pk}", lines, "application/x-ndjson"
    )
    assert code == 200 and imported["created"] == 3
    article_id = imported["results"][0]["article_id"]

    code, span = as_first.call(
        "POST",
        "/spans/",
        {"project": project.pk, "article": article_id, "quote": "talks went well"},
    )
    assert code == 201, span
    assert (span["start"], span["end"]) == (17, 32)  # code points: 👋 counts once

    source = {"url": "https://example.org/readout", "stance": "refutes"}
    verdicts = {}
    for tool, label in ((as_first, "False"), (as_second, "Half True")):
        code, verdict = tool.call(
            "POST",
            "/verdicts/",
            {
                "span": span["id"],
                "status": "submitted",
                "version": 0,
                "label": label,
                "sources": [source],
            },
        )
        assert code == 200, verdict
        verdicts[label] = verdict

    code, stale = as_first.call(
        "PUT",
        f"/verdicts/{verdicts['False']['id']}/",
        {"status": "submitted", "version": 0, "label": "True", "sources": [source]},
    )
    assert code == 409 and stale["current_version"] == verdicts["False"]["version"]

    code, contested = as_editor.call("GET", f"/spans/?project={project.pk}&status=contested")
    assert [s["id"] for s in contested["results"]] == [span["id"]]

    code, decision = as_editor.call(
        "PUT", f"/spans/{span['id']}/adjudication/", {"label": "Mostly False", "rationale": "…"}
    )
    assert code == 200 and decision["label"] == "Mostly False"
    code, final = as_second.call("GET", f"/spans/{span['id']}/")
    assert final["status"] == "adjudicated"
    assert {v["label"] for v in final["verdicts"]} == {"False", "Half True"}
