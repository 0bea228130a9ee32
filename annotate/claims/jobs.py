"""Claim vectors as a background job (kind `claim-embeddings`): the claims a job names (one just
founded or edited), or every claim of the project without a current vector (a backfill).
Registered from AnnotateConfig.ready; services.claim_embeddings_start creates them."""

from django.utils.translation import gettext_lazy

from annotate.access import Need
from annotate.claims.services import EMBEDDINGS_JOB, claim_vectors_refresh
from annotate.jobs.kinds import JobOutput, register_job_kind
from annotate.models import Job


def claim_embeddings_run(*, job: Job, progress) -> JobOutput:
    """Compute the missing and stale vectors; a rerun finds them current and does nothing."""
    done = claim_vectors_refresh(
        project=job.project, claim_ids=job.params.get("claims"), progress=progress
    )
    return JobOutput(
        result={"embedded": done.embedded, "already_current": done.current, "model": done.model}
    )


register_job_kind(
    EMBEDDINGS_JOB, claim_embeddings_run, need=Need.WRITE, label=gettext_lazy("Claim embeddings")
)
