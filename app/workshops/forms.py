from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.workshops.models import GroupKind, Role

SLUG = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", message=_l("Lowercase letters, digits and dashes."))

GROUP_KINDS = [
    SelectChoice(GroupKind.GOVERNMENT, _l("Government")),
    SelectChoice(GroupKind.PRIVATE_SECTOR, _l("Private sector")),
    SelectChoice(GroupKind.CIVIL_SOCIETY, _l("Civil society")),
    SelectChoice(GroupKind.TECHNICAL_COMMUNITY, _l("Technical community")),
    SelectChoice(GroupKind.ACADEMIA, _l("Academia")),
    SelectChoice(GroupKind.INTERGOVERNMENTAL, _l("Intergovernmental organisations")),
    SelectChoice(GroupKind.OTHER, _l("Other")),
]

ROLES = [
    SelectChoice(Role.PARTICIPANT, _l("Participant")),
    SelectChoice(Role.FACILITATOR, _l("Facilitator")),
    SelectChoice(Role.ORGANIZER, _l("Organizer")),
    SelectChoice(Role.OBSERVER, _l("Observer")),
]


class EditionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name (in addresses)"), validators=[DataRequired(), SLUG])
    language = SelectField(
        _l("Language"), choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")]
    )
    concept_note = TextAreaField(_l("Concept note (Markdown)"), validators=[Length(max=50000)])
    assignment = TextAreaField(_l("Assignment (Markdown)"), validators=[Length(max=50000)])


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=1000)])


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=GROUP_KINDS)
    slug = StringField(_l("Short name"), validators=[Optional(), SLUG])
    colour = StringField(
        _l("Colour"),
        validators=[
            Optional(),
            Regexp(
                r"^#[0-9a-fA-F]{6}\Z",
                message=_l("Write the colour as #rrggbb (six hexadecimal digits), e.g. #1f5f8b."),
            ),
        ],
    )


class InvitationForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLES)
    group = SelectField(_l("Stakeholder group"), choices=[], validate_choice=False)
    valid_days = IntegerField(
        _l("Valid for (days)"), default=14, validators=[NumberRange(min=1, max=90)]
    )
    max_uses = IntegerField(
        _l("Number of people"), default=1, validators=[NumberRange(min=1, max=500)]
    )
    note = StringField(_l("Note (who is it for?)"), validators=[Optional(), Length(max=200)])


class ActionForm(FlaskForm):
    """An empty form: a button that posts with a CSRF token."""


class AssetForm(FlaskForm):
    kind = SelectField(
        _l("What is it?"),
        choices=[
            SelectChoice("logo", _l("Logo of the edition (PNG or JPEG)")),
            SelectChoice("reference_docx", _l("Word model (.docx): styles, margins, header")),
            SelectChoice("pptx_template", _l("PowerPoint model (.pptx): layouts and theme")),
        ],
    )
    file = FileField(_l("File"), validators=[FileRequired()])
