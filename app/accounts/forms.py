from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Form, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, StopValidation, ValidationError

#: What makes an e-mail address acceptable: the login and sign-up forms and
#: ``flask create-organizer`` (through :func:`email_problem`) all check with these.
EMAIL_CHECKS = (DataRequired(), Email(), Length(max=254))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=list(EMAIL_CHECKS))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    # Ticked by default (phones); shown only when STAY_LOGGED_IN_DAYS > 0.
    remember = BooleanField(_l("Stay logged in on this device"), default=True)


class SignupForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=list(EMAIL_CHECKS))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class JoinForm(FlaskForm):
    """Accept an invitation while already logged in."""


class _EmailCheck(Form):
    """A bare WTForms form (no CSRF, no request needed) to run :data:`EMAIL_CHECKS`."""

    email = EmailField(validators=list(EMAIL_CHECKS))


def email_problem(email: str | None) -> str | None:
    """Why the forms would refuse ``email`` (in English, precise), or None if they accept it."""
    form = _EmailCheck(data={"email": email})
    form.email.errors = []  # as Field.validate() does before running its validators
    for check in EMAIL_CHECKS:
        try:
            check(form, form.email)
        except (StopValidation, ValidationError) as error:
            # Email() hides email-validator's precise reason behind a generic message.
            return str(error.__cause__ or error) or "This field is required."
    return None
