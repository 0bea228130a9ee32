import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS_URL = "/tokens/"
KEY = re.compile(r"fcw_[A-Za-z0-9_-]{40,}")


def create_through_page(client, name="notebook") -> tuple[ApiToken, str, str]:
    response = client.post(TOKENS_URL, {"name": name})
    assert response.status_code == 200
    keys = set(KEY.findall(response.text))
    assert len(keys) == 1, keys
    return ApiToken.objects.get(name=name), keys.pop(), response.text


def api_client_with(key: str) -> APIClient:
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api_client


def test_create_shows_the_key_once(logged_in_client, user):
    token, key, page = create_through_page(logged_in_client)
    assert token.user == user
    assert key.startswith(token.prefix)
    assert f'curl -H "Authorization: Bearer {key}" http://testserver/api/v1/me/' in page
    later = logged_in_client.get(TOKENS_URL)
    assert later.status_code == 200
    assert key not in later.text
    assert token.prefix in later.text  # listed by its prefix only
    assert "never" in later.text


def test_create_response_is_never_cached(logged_in_client):
    response = logged_in_client.post(TOKENS_URL, {"name": "notebook"})
    assert "no-store" in response["Cache-Control"]


def test_created_key_works_against_the_api(logged_in_client, user):
    _, key, _ = create_through_page(logged_in_client)
    response = api_client_with(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_key_is_not_stored_in_plain_text(logged_in_client):
    token, key, _ = create_through_page(logged_in_client)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(key not in str(value) for value in row.values())
    assert row["digest"] != key


def test_last_used_is_set_by_a_request(logged_in_client):
    token, key, _ = create_through_page(logged_in_client)
    assert token.last_used_at is None
    api_client_with(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "never" not in logged_in_client.get(TOKENS_URL).text


def test_revoke_makes_the_key_fail(logged_in_client):
    token, key, _ = create_through_page(logged_in_client)
    response = logged_in_client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == TOKENS_URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_client_with(key).get("/api/v1/me/").status_code == 401
    page = logged_in_client.get(TOKENS_URL).text
    assert "Revoked" in page
    assert reverse("accounts:token-revoke", args=[token.pk]) not in page


def test_revoke_of_another_users_token_is_404(logged_in_client):
    other_token, other_key = token_create(user=UserFactory(), name="theirs")
    response = logged_in_client.post(reverse("accounts:token-revoke", args=[other_token.pk]))
    assert response.status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
    assert api_client_with(other_key).get("/api/v1/me/").status_code == 200


def test_page_lists_only_the_users_own_tokens(logged_in_client, user):
    token_create(user=user, name="mine")
    token_create(user=UserFactory(), name="someone else's")
    page = logged_in_client.get(TOKENS_URL).text
    assert "mine" in page
    assert "someone else" not in page


def test_revoke_needs_post(logged_in_client, user):
    token, _ = token_create(user=user, name="notebook")
    response = logged_in_client.get(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("path", ["create", "revoke"])
def test_csrf_is_enforced(user, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token, _ = token_create(user=user, name="notebook")
    url = TOKENS_URL if path == "create" else reverse("accounts:token-revoke", args=[token.pk])
    response = client.post(url, {"name": "sneaky"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["notebook"]


def test_forms_carry_csrf_tokens(logged_in_client, user):
    token_create(user=user, name="notebook")
    page = logged_in_client.get(TOKENS_URL).text
    assert page.count('name="csrfmiddlewaretoken"') == 4  # log out, language, create, revoke


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_redirected_to_login(client, method):
    response = getattr(client, method)(TOKENS_URL, {"name": "x"} if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ApiToken.objects.exists()


def test_anonymous_revoke_is_redirected_to_login(client, user):
    token, _ = token_create(user=user, name="notebook")
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("name", ["", "   "])
def test_blank_name_is_refused_next_to_the_field(logged_in_client, name):
    response = logged_in_client.post(TOKENS_URL, {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert 'id="id_name_error"' in response.text
    assert not KEY.search(response.text)
    assert not ApiToken.objects.exists()


def test_overlong_name_is_refused(logged_in_client):
    response = logged_in_client.post(TOKENS_URL, {"name": "x" * 101})
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_names_are_escaped(logged_in_client, user):
    token_create(user=user, name="<script>alert(1)</script>")
    page = logged_in_client.get(TOKENS_URL).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_navigation_links_to_tokens_and_api_docs(logged_in_client):
    page = logged_in_client.get(reverse("corpus:article-list")).text
    assert f'href="{TOKENS_URL}"' in page
    assert 'href="/api/v1/docs/"' in page


@pytest.mark.parametrize("count", [1, 30])
def test_token_page_queries_stay_flat(logged_in_client, user, count, django_assert_num_queries):
    for n in range(count):
        token_create(user=user, name=f"tool {n}")
    with django_assert_num_queries(3):  # session, user, tokens
        response = logged_in_client.get(TOKENS_URL)
    assert response.text.count("Revoke<span") == count


# Admin


def test_admin_lists_searches_and_filters_tokens(client, staff_user):
    owner = UserFactory(username="ada")
    active, _ = token_create(user=owner, name="notebook")
    revoked, _ = token_create(user=owner, name="old laptop")
    revoked.revoked_at = revoked.created_at
    revoked.save()
    token_create(user=UserFactory(username="bob"), name="cron")
    client.force_login(staff_user)
    url = reverse("admin:accounts_apitoken_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert all(name in page.text for name in ("notebook", "old laptop", "cron", active.prefix))
    searched = client.get(url, {"q": "ada"}).text
    assert "notebook" in searched and "cron" not in searched
    only_active = client.get(url, {"status": "active"}).text
    assert "notebook" in only_active and "old laptop" not in only_active
    only_revoked = client.get(url, {"status": "revoked"}).text
    assert "old laptop" in only_revoked and "notebook" not in only_revoked


@pytest.mark.parametrize("count", [2, 30])
def test_admin_changelist_queries_stay_flat(client, staff_user, count, django_assert_num_queries):
    for n in range(count):
        token_create(user=UserFactory(), name=f"tool {n}")
    client.force_login(staff_user)
    with django_assert_num_queries(5):
        client.get(reverse("admin:accounts_apitoken_changelist"))


def test_admin_revoke_action(client, staff_user):
    owner = UserFactory()
    first, first_key = token_create(user=owner, name="first")
    second, _ = token_create(user=owner, name="second")
    _, kept_key = token_create(user=owner, name="kept")
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 2 tokens." in response.text
    assert set(ApiToken.objects.filter(revoked_at__isnull=False)) == {first, second}
    assert api_client_with(first_key).get("/api/v1/me/").status_code == 401
    assert api_client_with(kept_key).get("/api/v1/me/").status_code == 200


def test_admin_revoke_action_leaves_others_tokens_to_superusers(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_apitoken", "change_apitoken"])
    )
    own, _ = token_create(user=staff, name="mine")
    theirs, _ = token_create(user=UserFactory(), name="theirs")
    client.force_login(staff)
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [own.pk, theirs.pk]},
        follow=True,
    )
    assert "Revoked 1 token." in response.text
    assert "1 token not revoked" in response.text
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.revoked_at is not None
    assert theirs.revoked_at is None


def test_admin_add_creates_a_token_and_shows_its_key_once(client, staff_user):
    owner = UserFactory(username="ada")
    client.force_login(staff_user)
    url = reverse("admin:accounts_apitoken_add")
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="digest"' not in form.text and 'name="prefix"' not in form.text
    response = client.post(url, {"user": owner.pk, "name": "notebook"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    keys = set(KEY.findall(response.text))
    assert len(keys) == 1
    key = keys.pop()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (owner, "notebook", key[: len(token.prefix)])
    assert token.digest != key
    me = api_client_with(key).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "ada"
    # Shown in this response only: the message was not kept for a later page.
    later = client.get(reverse("admin:accounts_apitoken_changelist")).text
    assert key not in later
    assert key not in client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).text


def test_admin_add_refuses_a_blank_name(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:accounts_apitoken_add"), {"user": UserFactory().pk, "name": " "}
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not ApiToken.objects.exists()


def test_admin_token_page_is_read_only(client, staff_user):
    token, _ = token_create(user=UserFactory(), name="notebook")
    client.force_login(staff_user)
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).text
    assert token.digest in page
    assert 'name="name"' not in page
