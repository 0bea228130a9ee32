"""The editor's desk, part one: create a project and edit it, one form per concern (settings;
scale with its FEVER mapping). project_create and project_save hold the rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from annotate.access import Need, access_project, capabilities
from annotate.errors import Forbidden
from annotate.models import Project
from annotate.projects import services as project_services
from annotate.web.desk_forms import (
    CUSTOM,
    ProjectSettingsForm,
    ScaleChoiceForm,
    ScaleFormSet,
    scale_from,
    scale_initial,
)

SETTINGS_FIELDS = ("name", "slug", "description", "reviews_per_claim", "blind_review")
SETTINGS_FIELDS += ("sources_required",)


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    if not project_services.may_create_projects(request.user):
        raise Forbidden(_("Only staff may create projects."))
    posted = request.POST if request.method == "POST" else None
    settings_form = ProjectSettingsForm(posted)
    choice_form = ScaleChoiceForm(posted)
    scale_formset = ScaleFormSet(posted, prefix="scale")
    if posted is not None and _all_valid(settings_form, choice_form, scale_formset):
        custom = choice_form.cleaned_data["scale_preset"] == CUSTOM
        scale, mapping = scale_from(scale_formset) if custom else (None, {})
        try:
            project = project_services.project_create(
                actor=request.user,
                **settings_form.cleaned_data,
                scale_preset=choice_form.cleaned_data["scale_preset"],
                scale=scale,
                scale_is_ordinal=choice_form.cleaned_data["scale_is_ordinal"] if custom else None,
                fever_mapping=mapping,
            )
        except ValidationError as error:
            _attach(error, settings_form, choice_form, scale_formset)
        else:
            messages.success(
                request,
                (_("Project “%(name)s” created; you are its editor.") % {"name": project.name}),
            )
            return redirect("annotate:project", project.pk)
    return render(
        request,
        "annotate/project_form.html",
        {"settings_form": settings_form, "choice_form": choice_form, "scale": scale_formset},
        status=400 if posted is not None else 200,
    )


@login_required
def project_edit(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.MANAGE)
    concern = request.POST.get("concern") if request.method == "POST" else None
    settings_form = ProjectSettingsForm(
        request.POST if concern == "settings" else None,
        initial={field: getattr(project, field) for field in SETTINGS_FIELDS},
    )
    choice_form = ScaleChoiceForm(
        request.POST if concern == "scale" else None,
        initial={"scale_preset": CUSTOM, "scale_is_ordinal": project.scale_is_ordinal},
    )
    choice_form.fields["scale_preset"].required = False  # an edited scale is custom
    scale_formset = ScaleFormSet(
        request.POST if concern == "scale" else None,
        prefix="scale",
        initial=scale_initial(project),
    )
    if concern == "settings" and settings_form.is_valid():
        if _save(request, project, settings_form, settings_form.cleaned_data):
            return redirect("annotate:project-edit", project.pk)
    elif concern == "scale" and choice_form.is_valid() and scale_formset.is_valid():
        scale, mapping = scale_from(scale_formset)
        changes = {
            "scale": scale,
            "fever_mapping": mapping,
            "scale_is_ordinal": choice_form.cleaned_data["scale_is_ordinal"],
            "scale_preset": "",
        }
        if _save(request, project, scale_formset, changes, choice_form):
            return redirect("annotate:project-edit", project.pk)
    context = {
        "project": project,
        "capabilities": capabilities(project, request.user),
        "settings_form": settings_form,
        "choice_form": choice_form,
        "scale": scale_formset,
    }
    return render(request, "annotate/project_edit.html", context, status=400 if concern else 200)


def _save(request: HttpRequest, project: Project, form, changes: dict, *more_forms) -> bool:
    """Apply `changes` through project_save; its field errors land on the forms."""
    changed = [field for field, value in changes.items() if getattr(project, field) != value]
    for field, value in changes.items():
        setattr(project, field, value)
    try:
        project_services.project_save(project=project, actor=request.user, changed=changed)
    except ValidationError as error:
        project.refresh_from_db()
        _attach(error, form, *more_forms)
        return False
    messages.success(request, _("Project saved."))
    return True


def _all_valid(*forms) -> bool:
    return all([form.is_valid() for form in forms])  # a list: every form shows its errors


def _attach(error: ValidationError, *forms) -> None:
    """A service's errors on the field that names them, in whichever form has it; the scale's
    and the FEVER mapping's on the scale rows; the rest at the top of the first form."""
    for key, messages_ in error.message_dict.items():
        target = next((f for f in forms if hasattr(f, "fields") and key in f.fields), None)
        if target is None and key in ("scale", "fever_mapping"):
            target = next((f for f in forms if hasattr(f, "management_form")), None)
            if target is not None:
                target.scale_errors = [*getattr(target, "scale_errors", []), *messages_]
                continue
        for message in messages_:
            (target or forms[0]).add_error(key if target else None, message)
