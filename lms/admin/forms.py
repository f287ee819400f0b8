"""Forms of the organisation screens and of the HR import upload.

The unit and employee forms only validate: the views save through
``lms.services.org`` (tree nodes and logins cannot be saved as plain rows).
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from lms.admin.choosers import OrgUnitChooserWidget, UserChooserWidget
from lms.models import Employee, ImportJob, ManagerScope, OrgUnit, Position, User
from lms.selectors import unit_parent
from lms.services.imports.jobs import ALLOWED_EXTENSIONS
from lms.services.imports.readers import TableError, text_encoding
from lms.services.org import unit_placement_errors

# A million staff rows are about 60 MB of CSV.
MAX_IMPORT_SIZE = 200 * 1024 * 1024


class OrgUnitForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        label=_("Parent unit"),
        queryset=OrgUnit.objects.all(),
        required=False,
        widget=OrgUnitChooserWidget(show_edit_link=False),
        help_text=_(
            "The unit this one belongs to. Choosing another parent moves the unit "
            "with all the units and staff below it."
        ),
    )

    class Meta:
        model = OrgUnit
        fields = ["parent", "code", "name", "level", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.is_new = self.instance.pk is None
        parent_field = self.fields["parent"]
        if self.is_new:
            # The first unit of an empty tree is its root (headquarters).
            parent_field.required = OrgUnit.objects.exists()
        else:
            parent = unit_parent(unit=self.instance)
            self.initial.setdefault("parent", parent.pk if parent else None)
            parent_field.required = parent is not None
            if parent is None:
                parent_field.help_text = _(
                    "This unit is a root of the tree: leave empty to keep it so."
                )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        level = cleaned.get("level")
        if level and "parent" not in self.errors:
            errors = unit_placement_errors(
                unit=None if self.is_new else self.instance,
                parent=cleaned.get("parent"),
                level=level,
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned


class EmployeeForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = ["employee_no", "name", "email", "unit", "position", "is_active"]
        widgets = {"unit": OrgUnitChooserWidget(show_edit_link=False)}
        help_texts = {
            "employee_no": _("Also the login of the employee."),
            "is_active": _(
                "Inactive staff cannot log in and leave every readiness count."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = Position.objects.order_by("code")

    def clean_employee_no(self) -> str:
        employee_no = self.cleaned_data["employee_no"].strip()
        logins = User.objects.filter(username=employee_no)
        if self.instance.pk:
            logins = logins.exclude(pk=self.instance.user_id)
        if logins.exists():
            raise forms.ValidationError(
                _("A login with this employee number already exists.")
            )
        return employee_no

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class ManagerScopeForm(forms.ModelForm):
    class Meta:
        model = ManagerScope
        fields = ["user", "unit"]
        widgets = {
            "user": UserChooserWidget(),
            "unit": OrgUnitChooserWidget(show_edit_link=False),
        }
        help_texts = {
            "unit": _("The user sees this unit and every unit below it."),
        }


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportJob.Kind.choices,
        widget=forms.RadioSelect,
        initial=ImportJob.Kind.STAFF,
        help_text=_(
            "Organisation units: columns code, name, parent_code, level. "
            "Staff: columns employee_no, name, unit_code, position, email."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv or .xlsx file (first row: the column names)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    encoding = forms.CharField(
        label=_("Text encoding (CSV only)"),
        required=False,
        max_length=20,
        help_text=_(
            "Leave empty to detect it (UTF-8, else GB18030 as saved by Chinese Excel)."
        ),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate staff missing from the file"),
        required=False,
        help_text=_(
            "Staff imports only: for a complete HR extract, every active employee "
            "absent from the file is deactivated."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = Path(upload.name or "").suffix.lower()
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_IMPORT_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(size)s.")
                % {"size": filesizeformat(MAX_IMPORT_SIZE)}
            )
        return upload

    def clean_encoding(self) -> str:
        encoding = self.cleaned_data["encoding"].strip()
        if encoding:
            try:
                text_encoding(encoding)
            except TableError as error:
                raise forms.ValidationError(error.message) from error
        return encoding

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") != ImportJob.Kind.STAFF:
            cleaned["deactivate_missing"] = False
        return cleaned
