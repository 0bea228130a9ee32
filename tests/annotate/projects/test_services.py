"""Projects and members: project_create, project_articles_add, membership_set_role."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.models import Membership, Project
from annotate.projects import services as project_services
from annotate.projects.scales import PRESETS
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(reviewers=["reviewer"], viewers=[], articles=[]),
]

Role = Membership.Role


def _roles(project: Project) -> dict[int, str]:
    return dict(Membership.objects.filter(project=project).values_list("user_id", "role"))


# project_create


def test_project_create_copies_preset_scale(staff):
    project = project_services.project_create(
        actor=staff, name="  Election desk ", slug="election-desk", scale_preset="politifact"
    )

    stored = Project.objects.get(slug="election-desk")
    assert stored == project
    assert stored.name == "Election desk"
    assert stored.scale_preset == "politifact"
    assert stored.scale == PRESETS["politifact"].as_scale()
    assert stored.labels[0] == "True" and stored.labels[-1] == "Pants on Fire"
    assert stored.scale_is_ordinal is True
    assert (stored.reviews_per_claim, stored.blind_review, stored.sources_required) == (
        2,
        True,
        True,
    )


def test_project_create_preset_is_a_copy_not_a_reference(staff):
    project = project_services.project_create(
        actor=staff, name="Desk", slug="desk", scale_preset="fever"
    )

    project.scale[0]["label"] = "CHANGED"

    assert PRESETS["fever"].as_scale()[0]["label"] == "SUPPORTS"
    assert Project.objects.get(pk=project.pk).labels == ["SUPPORTS", "REFUTES", "NOT ENOUGH INFO"]


def test_project_create_nominal_preset_is_not_ordinal(staff):
    project = project_services.project_create(
        actor=staff, name="Desk", slug="desk", scale_preset="fever"
    )

    assert Project.objects.get(pk=project.pk).scale_is_ordinal is False


def test_project_create_custom_scale(staff):
    project = project_services.project_create(
        actor=staff,
        name="Desk",
        slug="desk",
        scale=[
            {"label": " Accurate ", "description": "Checks out."},
            {"label": "Wrong", "needs_sources": True},
            {"label": "Cannot tell", "needs_sources": False},
        ],
        scale_is_ordinal=True,
    )

    stored = Project.objects.get(pk=project.pk)
    assert stored.scale_preset == ""
    assert stored.scale == [
        {"label": "Accurate", "description": "Checks out.", "needs_sources": True},
        {"label": "Wrong", "description": "", "needs_sources": True},
        {"label": "Cannot tell", "description": "", "needs_sources": False},
    ]
    assert stored.scale_is_ordinal is True
    assert stored.label_needs_sources("Accurate") is True
    assert stored.label_needs_sources("Cannot tell") is False


def test_project_create_custom_scale_defaults_to_nominal(staff):
    project = project_services.project_create(
        actor=staff, name="Desk", slug="desk", scale=[{"label": "Yes"}, {"label": "No"}]
    )

    assert Project.objects.get(pk=project.pk).scale_is_ordinal is False


def test_project_create_unknown_preset_refused(staff):
    with pytest.raises(ValidationError) as error:
        project_services.project_create(
            actor=staff, name="Desk", slug="desk", scale_preset="snopes"
        )

    assert "scale_preset" in error.value.message_dict
    assert not Project.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    "scale",
    [
        [{"label": "True"}, {"label": "True"}],
        [{"label": "True"}, {"label": " True "}],
    ],
    ids=["same", "same-after-strip"],
)
def test_project_create_duplicate_labels_refused(staff, scale):
    with pytest.raises(ValidationError) as error:
        project_services.project_create(actor=staff, name="Desk", slug="desk", scale=scale)

    assert "scale" in error.value.message_dict
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "scale", [[], [{"label": "  "}], ["True", "False"]], ids=["empty", "blank", "not-dicts"]
)
def test_project_create_scale_without_labels_refused(staff, scale):
    with pytest.raises(ValidationError) as error:
        project_services.project_create(actor=staff, name="Desk", slug="desk", scale=scale)

    assert "scale" in error.value.message_dict
    assert not Project.objects.exists()


@pytest.mark.parametrize("reviews_per_claim", [0, 21])
def test_project_create_reviews_per_claim_out_of_range_refused(staff, reviews_per_claim):
    with pytest.raises(ValidationError) as error:
        project_services.project_create(
            actor=staff, name="Desk", slug="desk", reviews_per_claim=reviews_per_claim
        )

    assert "reviews_per_claim" in error.value.message_dict
    assert not Project.objects.exists()


def test_project_create_duplicate_slug_refused(staff):
    ProjectFactory(slug="desk")

    with pytest.raises(ValidationError) as error:
        project_services.project_create(actor=staff, name="Other desk", slug="desk")

    assert "slug" in error.value.message_dict
    assert Project.objects.filter(slug="desk").count() == 1


def test_project_create_non_staff_refused():
    actor = UserFactory()

    with pytest.raises(PermissionDenied):
        project_services.project_create(actor=actor, name="Desk", slug="desk")

    assert not Project.objects.exists()
    assert not Membership.objects.exists()


def test_project_create_user_with_add_permission_may():
    actor = UserFactory()
    actor.user_permissions.add(Permission.objects.get(codename="add_project"))

    project = project_services.project_create(actor=actor, name="Desk", slug="desk")

    assert Project.objects.filter(pk=project.pk).exists()


def test_project_create_creator_becomes_editor(staff):
    project = project_services.project_create(actor=staff, name="Desk", slug="desk")

    assert _roles(project) == {staff.pk: Role.EDITOR}


# project_articles_add


def test_project_articles_add_editor_adds_articles(project, editor):
    first, second = ArticleFactory(), ArticleFactory()

    project_services.project_articles_add(project=project, actor=editor, articles=[first, second])

    assert set(project.articles.all()) == {first, second}


def test_project_articles_add_article_may_be_in_several_projects(project, editor):
    article = ArticleFactory()
    other = ProjectFactory(editors=[editor])

    project_services.project_articles_add(project=project, actor=editor, articles=[article])
    project_services.project_articles_add(project=other, actor=editor, articles=[article])

    assert set(article.projects.all()) == {project, other}


@pytest.mark.parametrize("who", ["reviewer", "stranger"])
def test_project_articles_add_non_editor_refused(project, reviewer, who):
    actor = reviewer if who == "reviewer" else UserFactory()

    with pytest.raises(PermissionDenied):
        project_services.project_articles_add(
            project=project, actor=actor, articles=[ArticleFactory()]
        )

    assert not project.articles.exists()


# membership_set_role


def test_membership_set_role_editor_adds_member(project, editor, reviewer):
    newcomer = UserFactory()

    membership = project_services.membership_set_role(
        project=project, actor=editor, user=newcomer, role=Role.VIEWER
    )

    assert (membership.user, membership.role) == (newcomer, Role.VIEWER)
    assert _roles(project) == {
        editor.pk: Role.EDITOR,
        reviewer.pk: Role.REVIEWER,
        newcomer.pk: Role.VIEWER,
    }


def test_membership_set_role_editor_changes_role(project, editor, reviewer):
    membership = project_services.membership_set_role(
        project=project, actor=editor, user=reviewer, role=Role.EDITOR
    )

    assert membership.role == Role.EDITOR
    assert _roles(project) == {editor.pk: Role.EDITOR, reviewer.pk: Role.EDITOR}
    assert Membership.objects.filter(project=project, user=reviewer).count() == 1


def test_membership_set_role_editor_removes_member(project, editor, reviewer):
    result = project_services.membership_set_role(
        project=project, actor=editor, user=reviewer, role=None
    )

    assert result is None
    assert _roles(project) == {editor.pk: Role.EDITOR}


def test_membership_set_role_leaves_other_projects_alone(project, editor, reviewer):
    other = ProjectFactory(reviewers=[reviewer])

    project_services.membership_set_role(project=project, actor=editor, user=reviewer, role=None)

    assert _roles(other) == {reviewer.pk: Role.REVIEWER}


def test_membership_set_role_unknown_role_refused(project, editor, reviewer):
    with pytest.raises(ValidationError) as error:
        project_services.membership_set_role(
            project=project, actor=editor, user=reviewer, role="owner"
        )

    assert "role" in error.value.message_dict
    assert _roles(project)[reviewer.pk] == Role.REVIEWER


@pytest.mark.parametrize("role", [Role.EDITOR, None])
def test_membership_set_role_reviewer_refused(project, editor, reviewer, role):
    newcomer = UserFactory()

    with pytest.raises(PermissionDenied):
        project_services.membership_set_role(
            project=project, actor=reviewer, user=newcomer, role=role
        )

    with pytest.raises(PermissionDenied):
        project_services.membership_set_role(
            project=project, actor=reviewer, user=editor, role=role
        )

    assert _roles(project) == {editor.pk: Role.EDITOR, reviewer.pk: Role.REVIEWER}


def test_membership_set_role_non_member_refused(project, editor, reviewer):
    stranger = UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        project_services.membership_set_role(
            project=project, actor=stranger, user=stranger, role=Role.EDITOR
        )

    assert stranger.pk not in _roles(project)


def test_membership_set_role_superuser_bootstraps_first_editor():
    project = ProjectFactory()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    first_editor = UserFactory()

    membership = project_services.membership_set_role(
        project=project, actor=superuser, user=first_editor, role=Role.EDITOR
    )

    assert membership.role == Role.EDITOR
    assert _roles(project) == {first_editor.pk: Role.EDITOR}


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER, None])
def test_membership_set_role_last_editor_cannot_be_demoted_or_removed(project, editor, role):
    with pytest.raises(ValidationError) as error:
        project_services.membership_set_role(project=project, actor=editor, user=editor, role=role)

    assert "role" in error.value.message_dict
    assert _roles(project)[editor.pk] == Role.EDITOR


def test_membership_set_role_superuser_cannot_remove_last_editor(project, editor):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    with pytest.raises(ValidationError) as error:
        project_services.membership_set_role(
            project=project, actor=superuser, user=editor, role=None
        )

    assert "role" in error.value.message_dict
    assert _roles(project)[editor.pk] == Role.EDITOR


def test_membership_set_role_editor_may_step_down_when_another_remains(project, editor, reviewer):
    project_services.membership_set_role(
        project=project, actor=editor, user=reviewer, role=Role.EDITOR
    )

    project_services.membership_set_role(
        project=project, actor=editor, user=editor, role=Role.REVIEWER
    )

    assert _roles(project) == {editor.pk: Role.REVIEWER, reviewer.pk: Role.EDITOR}


def test_membership_set_role_last_editor_may_be_set_editor_again(project, editor):
    membership = project_services.membership_set_role(
        project=project, actor=editor, user=editor, role=Role.EDITOR
    )

    assert membership.role == Role.EDITOR
    assert _roles(project)[editor.pk] == Role.EDITOR
    assert Membership.objects.filter(project=project, user=editor).count() == 1
