"""One export's context: its project, options and people (names or salted pseudonyms)."""

import datetime
import hashlib
import hmac
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from annotate.models import (
    Adjudication,
    Appearance,
    Claim,
    ClaimComment,
    ClaimLink,
    Comment,
    MatchDecision,
    Membership,
    Project,
    Span,
    Verdict,
)
from datasets.options import ExportOptions
from datasets.records.shapes import ExportStats, LabelRow, Person, SpanRecord, label_rows


class ExportContext:
    """The project, options and people of one export, shared by its formatter and writer."""

    def __init__(
        self,
        *,
        project: Project,
        fmt: str,
        options: ExportOptions,
        labels: str,
        claim_details: bool = False,
    ):
        self.project = project
        # Read how each span was linked to its claim and the match decisions on it (native).
        self.claim_details = claim_details
        self.fmt = fmt
        self.options = options
        self.labels = labels  # the effective label mode
        self.stats = ExportStats()
        # What a format remembers across articles (ClaimReview: the claims met so far).
        self.state: dict = {}
        self.people = project_people(project=project, options=options)
        # Ordinal scales: worst = 1 ... best = n (FORMATS.md §3); the scale lists most true first.
        labels_in_order = project.labels
        self.ranks: dict[str, int] = (
            {label: len(labels_in_order) - i for i, label in enumerate(labels_in_order)}
            if project.scale_is_ordinal
            else {}
        )

    @cached_property
    def claim_refs(self) -> dict[int, str]:
        """{claim pk: `cl-N`}, N the claim's rank by pk in the project: like the other ids,
        derived from order, so an import creating the claims in file order gets the same."""
        pks = Claim.objects.filter(project=self.project).order_by("pk").values_list("pk", flat=True)
        return {pk: f"cl-{rank}" for rank, pk in enumerate(pks.iterator(), start=1)}

    def claim_ref(self, claim_pk: int) -> str:
        return self.claim_refs[claim_pk]

    def name(self, user_id: int) -> str:
        person = self.people.get(user_id)
        if person is None:  # someone who joined after the people were read: the next rank
            person = self._newcomer(user_id)
        return person.name

    def _newcomer(self, user_id: int) -> Person:
        user = get_user_model().objects.filter(pk=user_id).values("username", "email").first()
        if self.options.real_names and user is not None:
            person = Person(user["username"], user["email"] or "")
        else:
            salt = pseudonym_salt(project=self.project, salt=self.options.salt)
            rank = len(self.people) + 1
            person = Person(pseudonym(salt=salt, project_slug=self.project.slug, rank=rank), "")
        self.people[user_id] = person
        return person

    def label_rows(self, span: SpanRecord) -> list[LabelRow]:
        return label_rows(span, self.labels)


def pseudonym_salt(*, project: Project, salt: str) -> bytes:
    """The given salt, else one derived from SECRET_KEY: stable on this server, never written."""
    if salt:
        return salt.encode()
    message = f"datasets.pseudonyms:{project.slug}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def pseudonym(*, salt: bytes, project_slug: str, rank: int, digits: int = 10) -> str:
    digest = hmac.new(salt, f"{project_slug}:{rank}".encode(), hashlib.sha256).hexdigest()
    return f"r-{digest[:digits]}"


def project_people(*, project: Project, options: ExportOptions) -> dict[int, Person]:
    """{user pk: Person} for members and contributors, in rank (user pk) order."""
    in_project = (
        Q(memberships__project=project)
        | Q(pk__in=Span.objects.filter(project=project).values("created_by"))
        | Q(pk__in=Verdict.objects.filter(span__project=project).values("reviewer"))
        | Q(pk__in=Comment.objects.filter(span__project=project).values("author"))
        | Q(pk__in=Adjudication.objects.filter(span__project=project).values("editor"))
        | _claim_people(project)
    )
    users = list(
        get_user_model()
        .objects.filter(in_project)
        .distinct()
        .order_by("pk")
        .values_list("pk", "username", "email")
    )
    if options.real_names:
        return {pk: Person(username, email or "") for pk, username, email in users}
    salt = pseudonym_salt(project=project, salt=options.salt)
    for digits in (10, 16, 64):  # longer only if two people collide (improbable)
        names = [pseudonym(salt=salt, project_slug=project.slug, rank=rank, digits=digits)
                 for rank in range(1, len(users) + 1)]  # fmt: skip
        if len(set(names)) == len(names):
            break
    return {pk: Person(name, "") for (pk, _, _), name in zip(users, names, strict=True)}


def _claim_people(project: Project) -> Q:
    """Who founded, settled, linked, commented on or decided about the project's claims."""
    claims = Claim.objects.filter(project=project)
    appearances = Appearance.objects.filter(claim__project=project)
    links = ClaimLink.objects.filter(Q(claim_low__project=project) | Q(claim_high__project=project))
    return (
        Q(pk__in=claims.values("created_by"))
        | Q(pk__in=claims.values("verdict_set_by"))
        | Q(pk__in=appearances.values("linked_by"))
        | Q(pk__in=appearances.values("verdict_reused_by"))
        | Q(pk__in=MatchDecision.objects.filter(claim__project=project).values("decided_by"))
        | Q(pk__in=ClaimComment.objects.filter(claim__project=project).values("author"))
        | Q(pk__in=links.values("created_by"))
    )


def project_memberships(*, project: Project) -> list[tuple[int, str, datetime.datetime]]:
    """(user pk, role, joined) of the project's members, by user pk."""
    return list(
        Membership.objects.filter(project=project)
        .order_by("user_id")
        .values_list("user_id", "role", "created_at")
    )
