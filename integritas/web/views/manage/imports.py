"""The org import page: upload a JSON file or an XLSX workbook, see the preview (a dry run), apply it;
download the template, or the current organisation in the same format to edit and import again."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integritas.orgs.export import export_data
from integritas.orgs.importer import (
    KINDS,
    ImportProblem,
    ImportSummary,
    Where,
    import_org,
    kind_label,
    read_file,
)
from integritas.orgs.presenters import change_text
from integritas.orgs.workbook import write_workbook
from integritas.vault.crypto import seal_master, unseal_master
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, page

MAX_IMPORT_BYTES = 10 * 1024 * 1024
IMPORT_SESSION_KEY = "manage_import"
PREVIEW_LINES = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _summary_context(summary: ImportSummary) -> dict[str, Any]:
    created, updated = summary.created, summary.updated
    applied, requests = summary.applied, summary.requests
    return {
        "counts": [
            {"label": kind_label(k).capitalize(), "created": created.get(k, 0), "updated": updated.get(k, 0)}
            for k in KINDS
        ],
        "changes": [change_text(c) for c in applied[:PREVIEW_LINES]],
        "more": max(0, len(applied) - PREVIEW_LINES),
        "requests": [change_text(c) for c in requests[:PREVIEW_LINES]],
        "warnings": [w.text for w in summary.warnings],
        "changed": summary.changed,
    }


def _seal(token: str, data: Any, places: dict[tuple[str, int], Where]) -> str:
    """The file as read, sealed with the master key: it may hold first passwords, and the session
    is stored in the database."""
    payload = {"data": data, "places": [[s, i, asdict(w)] for (s, i), w in places.items()]}
    blob = seal_master(json.dumps(payload).encode(), f"org-import:{token}")
    return base64.b64encode(blob).decode()


def _unseal(token: str, text: str) -> tuple[Any, dict[tuple[str, int], Where]]:
    payload = json.loads(unseal_master(base64.b64decode(text), f"org-import:{token}"))
    places = {(s, i): Where(**{**w, "columns": tuple(map(tuple, w["columns"])), "item_rows": tuple(w["item_rows"])})
              for s, i, w in payload["places"]}  # fmt: skip
    return payload["data"], places


def _problems(
    request: HttpRequest, context: dict[str, Any], problem: ImportProblem, name: str
) -> HttpResponse:
    request.session.pop(IMPORT_SESSION_KEY, None)
    context.update({"problems": problem.problems, "filename": name})
    return page(request, "import.html", context, section="import", status=400)


def _applied_message(request: HttpRequest, summary: ImportSummary) -> None:
    applied, requests = len(summary.applied), len(summary.requests)
    if applied:
        messages.success(
            request,
            ngettext("Import applied: %(n)s change.", "Import applied: %(n)s changes.", applied)
            % {"n": applied},
        )
    if requests:
        messages.info(
            request,
            ngettext(
                "%(n)s change to teams or passwords waits for approval by a team member.",
                "%(n)s changes to teams or passwords wait for approval by a team member.",
                requests,
            )
            % {"n": requests},
        )
    if not summary.changed:
        messages.info(request, _("Nothing to change: the organisation is already up to date."))


@admin_only
def import_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"form": f.ImportForm()}
    if request.method != "POST":
        return page(request, "import.html", context, section="import")
    action = request.POST.get("action")
    if action == "cancel":
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.info(request, _("Import cancelled; nothing changed."))
        return redirect("web:manage_import")
    if action == "apply":
        stored = request.session.get(IMPORT_SESSION_KEY)
        token = request.POST.get("token", "")
        if not stored or not secrets.compare_digest(str(stored.get("token", "")), token):
            messages.error(request, _("This preview is no longer current; upload the file again."))
            return redirect("web:manage_import")
        data, places = _unseal(token, stored["sealed"])
        try:
            summary = import_org(data, places=places, actor=person_of(request), via="import")
        except ImportProblem as problem:
            # The organisation changed since the preview in a way that makes the file invalid.
            return _problems(request, context, problem, stored.get("name", ""))
        request.session.pop(IMPORT_SESSION_KEY, None)
        _applied_message(request, summary)
        return redirect("web:manage_import")

    form = f.ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return page(request, "import.html", context, section="import", status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        form.add_error(
            "file", _("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
        return page(request, "import.html", context, section="import", status=400)
    try:
        data, places = read_file(upload.read(), upload.name)
        summary = import_org(data, dry_run=True, places=places, actor=person_of(request), via="import")
    except ImportProblem as problem:
        return _problems(request, context, problem, upload.name)
    token = secrets.token_urlsafe(16)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "name": upload.name,
        "sealed": _seal(token, data, places),
    }
    context.update(
        {
            "preview": _summary_context(summary),
            "token": token,
            "filename": upload.name,
            "form": f.ImportForm(),
        }
    )
    return page(request, "import.html", context, section="import")


def _download(payload: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(payload, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin_only
def import_template(request: HttpRequest) -> HttpResponse:
    return _download(write_workbook(None), "templat-impor-organisasi.xlsx", XLSX_TYPE)


@admin_only
def export_xlsx(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return _download(write_workbook(export_data()), f"organisasi-{stamp}.xlsx", XLSX_TYPE)


@admin_only
def export_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    payload = (json.dumps(export_data(), ensure_ascii=False, indent=2) + "\n").encode()
    return _download(payload, f"organisasi-{stamp}.json", "application/json")
