"""Move the log entries of units, staff, scopes, exemptions, certificates and
launches from Wagtail's ModelLogEntry to lms.ScopedLogEntry, with the unit
the object belongs to now (none for an object deleted since: its entries are
then shown to administrators only)."""

from django.db import migrations

BATCH = 2000


def _units(apps, label):
    """object id (text) → unit id, for every object of the model."""
    app_label, model_name = label.split(".")
    model = apps.get_model(app_label, model_name)
    if label == "lms.orgunit":
        rows = model.objects.values_list("pk", "pk")
    elif label in ("lms.employee", "lms.managerscope", "lms.launch"):
        rows = model.objects.values_list("pk", "unit_id")
    else:  # exemptions and certificates: their employee's unit
        rows = model.objects.values_list("pk", "employee__unit_id")
    return {str(pk): unit_id for pk, unit_id in rows}


MODELS = (
    "lms.orgunit",
    "lms.employee",
    "lms.managerscope",
    "lms.exemption",
    "lms.launch",
    "certificates.certificate",
)
FIELDS = (
    "content_type_id",
    "label",
    "action",
    "data",
    "timestamp",
    "uuid",
    "user_id",
    "revision_id",
    "content_changed",
    "deleted",
    "object_id",
)


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    ScopedLogEntry = apps.get_model("lms", "ScopedLogEntry")
    for label in MODELS:
        app_label, model_name = label.split(".")
        content_type = ContentType.objects.filter(
            app_label=app_label, model=model_name
        ).first()
        if content_type is None:
            continue
        entries = ModelLogEntry.objects.filter(content_type=content_type)
        if not entries.exists():
            continue
        units = _units(apps, label)
        moved = []
        for values in entries.order_by("pk").values(*FIELDS).iterator(BATCH):
            moved.append(
                ScopedLogEntry(unit_id=units.get(values["object_id"]), **values)
            )
            if len(moved) >= BATCH:
                ScopedLogEntry.objects.bulk_create(moved)
                moved = []
        ScopedLogEntry.objects.bulk_create(moved)
        entries.delete()


def backwards(apps, schema_editor):
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    ScopedLogEntry = apps.get_model("lms", "ScopedLogEntry")
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(**values)
        for values in ScopedLogEntry.objects.order_by("pk").values(*FIELDS)
    )
    ScopedLogEntry.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0011_scopedlogentry"),
        ("certificates", "0004_supersede_and_pdf"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
