"""Words for the codes of signing in (orgs.auth) and of the throttles (security/)."""

from django.utils.translation import gettext_lazy as _

from integritas.messages import register

register(
    errors={
        "bad_credentials": _("Wrong username or password."),
        "otp_required": _("Enter the 6-digit code from your authenticator app."),
        "bad_otp": _("Wrong or expired code. Enter the code shown now in your app."),
        "two_factor_setup_required": _(
            "Your unit requires two-factor sign-in: set up an authenticator app first."
        ),
        "not_authenticated.token": _("Sign in first: send Authorization: Bearer <token>."),
    },
)
