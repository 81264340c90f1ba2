"""Words shared by every part: the generic error of each HTTP status and the common field problems."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        "_status_400": _("The request could not be read."),
        "_status_401": _("Sign in first."),
        "_status_403": _("You may not do this."),
        "_status_404": _("Not found."),
        "_status_409": _("This cannot be done in the current state."),
        "_status_413": _("The upload is too large."),
        "_status_415": _("This type of file is not accepted."),
        "_status_422": _("Some fields need attention."),
        "_status_429": _("Too many attempts. Wait a moment and try again."),
        "bad_request": _("The request could not be read."),
        "malformed": _("The request could not be read."),
        "not_authenticated": _("Sign in first."),
        "forbidden": _("You may not do this."),
        "not_found": _("Not found."),
        "wrong_state": _("This cannot be done in the current state."),
        "too_large": _("The upload is too large."),
        "unsupported_file_type": _("This type of file is not accepted."),
        "invalid": _("Some fields need attention: %(fields)s."),
        "too_many_attempts": _("Too many attempts. Try again in %(retry_after)s seconds."),
    },
    problems={
        "invalid": _("This value is not valid."),
        "required": _("This field is required."),
        "not_text": _("Must be text."),
        "not_integer": _("Must be a whole number."),
        "not_boolean": _("Must be true or false."),
        "not_list": _("Must be a list."),
        "not_object": _("Must be an object."),
        "nul_character": _("Must not contain NUL characters."),
        "too_long": _("At most %(limit)s characters."),
        "too_short": _("At least %(limit)s characters."),
        "too_many": _("At most %(limit)s items."),
        "empty_list": _("Choose at least one."),
        "choice": _("Choose one of: %(choices)s."),
        "unknown_field": _("This field is not known."),
        "bad_date": _("Enter a date as YYYY-MM-DD."),
        "bad_datetime": _("Enter a date and time (ISO 8601 with offset)."),
        "date_in_future": _("The date cannot be in the future."),
        "date_in_past": _("The date cannot be in the past."),
        "negative": _("Must not be negative."),
        "bad_email": _("Enter a valid e-mail address."),
        "bad_phone": _("Enter a valid phone number."),
        "unknown_code": _("No such code: %(value)s."),
        "unknown_person": _("No such person: %(value)s."),
    },
)
