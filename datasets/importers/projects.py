"""The people and the project a dataset file brings: local users or placeholders for them, and a
project recreated from a native file's first line.

Rows rather than services where noted: project_create() needs a staff creator and makes them the
first editor, membership_set_role() an editor actor; a recreated project has neither yet.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from annotate.models import Membership, Project
from annotate.projects.selectors import project_first_editor
from datasets.importers.base import ParseError, ProjectHeader, ReviewerRef


def local_user(ref: ReviewerRef, *, where: str = "") -> tuple[object, bool]:
    """(user, created): the local user a file's person stands for, or a new placeholder.

    A user with the ref's email, else one whose username is its pseudonym; else an inactive
    placeholder named after the pseudonym (or the email). It keeps the person's verdicts apart
    (agreement needs that), cannot log in, and an admin may rename it or merge it into an account.
    """
    users = get_user_model().objects
    if ref.email:
        matches = list(users.filter(email__iexact=ref.email).order_by("pk")[:2])
        if len(matches) > 1:
            raise ParseError(
                _("%(where)s: several local users have the email %(email)s")
                % {"where": where, "email": ref.email}
            )
        if matches:
            return matches[0], False
    name = ref.pseudonym or ref.email
    user = users.filter(username=name).first()
    if user is not None:
        return user, False
    try:
        get_user_model().username_validator(name)
    except ValidationError:
        raise ParseError(
            _("%(where)s: %(name)r cannot be a user name") % {"where": where, "name": name}
        ) from None
    user = get_user_model()(username=name, email=ref.email, is_active=False)
    user.set_unusable_password()
    user.save()
    return user, True


_PROJECT_SETTINGS = ("reviews_per_claim", "blind_review", "sources_required", "fever_mapping")


@transaction.atomic
def project_from_header(*, slug: str, header: ProjectHeader) -> tuple[Project, list[str]]:
    """(project, placeholder names): the project of a native file, recreated with its people.

    Rows rather than project_create() and membership_set_role(): those need a staff creator
    (there is none in an empty database) and make it the first editor, while a recreated project
    keeps its own members and dates. People are created in the file's order, which keeps their
    pseudonyms (datasets.records ranks people by user pk).
    """
    people, placeholders = {}, []
    for name in header.people:
        people[name], created = local_user(ReviewerRef(pseudonym=name), where="project.people")
        if created:
            placeholders.append(name)
    project = Project(
        name=header.name,
        slug=slug,
        description=header.description,
        scale_preset=header.scale_preset,
        scale=header.scale,
        scale_is_ordinal=header.scale_is_ordinal,
        **{name: header.settings[name] for name in _PROJECT_SETTINGS if name in header.settings},
    )
    project.full_clean()
    project.save()
    restore_times(project, created_at=header.created_at)
    for member in header.members:
        user = people.get(member.person)
        if user is None:
            user, created = local_user(ReviewerRef(pseudonym=member.person), where="members")
            placeholders += [member.person] if created else []
        membership = Membership(project=project, user=user, role=member.role)
        membership.full_clean(exclude=["project", "user"])
        membership.save()
        restore_times(membership, created_at=member.joined_at)
    if project_first_editor(project) is None:
        raise ValidationError({"members": _("The file's project has no editor to import as.")})
    return project, placeholders


def restore_times(row, **times) -> None:
    """Put back times the model stamps on save (auto_now, auto_now_add); None leaves them."""
    given = {name: moment for name, moment in times.items() if moment is not None}
    if given:
        type(row).objects.filter(pk=row.pk).update(**given)
