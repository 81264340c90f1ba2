"""Words for the codes of the case handling (cases/, the API and the pages around it)."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        # Refinements (``reason``) of codes whose name clients rely on.
        "not_found.case": _("Case not found."),
        "not_found.evidence": _("Evidence file not found."),
        "not_found.follow_up": _("Follow-up action not found."),
        "not_found.identity_request": _("Identity request not found."),
        "not_found.unit": _("Unit not found."),
        "not_found.notice": _("Notice not found."),
        "not_found.outbox_message": _("Outbox message not found."),
        "forbidden.handler_only": _("Only the current handler of this case can do this."),
        "forbidden.team_only": _("Only the COI handling team overseeing this case can do this."),
        "forbidden.handler_or_team_only": _(
            "Only the current handler or the COI handling team can write to the reporter."
        ),
        "forbidden.own_request": _("Nobody decides on their own request."),
        "forbidden.audit_team_only": _(
            "Only the COI handling team overseeing this case reads its audit trail."
        ),
        "forbidden.admin_only": _("Only administrators may do this."),
        "forbidden.stats_team_only": _(
            "Only the COI handling team of this unit or of a unit above it sees its figures."
        ),
        "wrong_state.case": _("This action is not possible now: the case is in the state “%(state)s”."),
        # The procedure.
        "no_higher_level": _(
            "There is nobody higher up the chain to take this case. Ask the administrator to appoint "
            "the COI handling team of the unit."
        ),
        "no_one_to_take_over": _(
            "Nobody else can take over this case. Ask the administrator to appoint another handler or a team."
        ),
        "follow_up_settled": _("This follow-up action is already settled."),
        "follow_up_open": _(
            "Some follow-up actions are still open: mark each one done, or cancel it with a reason, "
            "before closing the case (%(titles)s)."
        ),
        "identity_not_withheld": _("The reporter's identity is not withheld in this case."),
        "identity_request_exists": _("You have already asked to see the reporter's identity."),
        "identity_request_decided": _("This request has already been decided."),
        "confirm_no_conflict": _("First confirm that you have no conflict of interest with this case."),
        "case_closed": _("This report is closed; it no longer takes messages."),
        "receipt_required": _("Enter the receipt you received when you sent the report."),
        "bad_receipt": _(
            "This receipt does not open any report. Check it and type it again, e.g. ABCD-EFGH-…"
        ),
        "retry_not_failed": _("Only a failed message can be sent again."),
        # Files.
        "too_large.file": _("%(name)s is larger than the %(limit_mb)s MB allowed."),
    },
    problems={
        "unknown_unit": _("No such unit."),
        "not_in_unit": _("Choose an official from the list of this institution."),
        "subject_required": _(
            "Choose the official concerned, or choose “not in the list” and describe them."
        ),
        "subject_name_required": _("Enter the name or the position of the official concerned."),
        "description_required": _("Describe what happened: what, who, when, where and how."),
        "category_required": _("Choose at least one kind of conflict of interest."),
        "anonymous_not_allowed": _(
            "This institution does not accept anonymous reports: give your name and a contact."
        ),
        "reporter_required": _("Enter your name and an e-mail address or a phone number."),
        "name_required": _("Enter your name."),
        "contact_required": _(
            "Give an e-mail address or a phone number, so that the handlers can contact you."
        ),
        "bad_nik": _("The NIK has 16 digits."),
        "good_faith_required": _("Confirm that you report in good faith."),
        "evidence_required": _("Attach at least one evidence file: this institution requires evidence."),
        "too_many_files": _("Send at most %(limit)s files at once."),
        "file_too_large": _("%(name)s is larger than the %(limit_mb)s MB allowed."),
        "file_empty": _("%(name)s is empty."),
        "position_outside_unit": _("Choose a position of the case's unit or of a unit below it."),
        "message_or_file": _("Write a message or attach a file."),
        "date_order": _("The end date is before the start date."),
    },
)
