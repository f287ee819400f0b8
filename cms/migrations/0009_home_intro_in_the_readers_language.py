"""The home page created by 0002 carried its introduction in English as page
content, shown as such on Chinese pages. An introduction still equal to that
text is cleared: the template then shows the product's own words, translated
(an introduction the group wrote stays as written)."""

from django.db import migrations

DEFAULT_INTRO = (
    "<p>Every service measure that headquarters issues is trained to all "
    "the staff it concerns, and launched to the public only once they "
    "are trained.</p>"
)


def forwards(apps, schema_editor):
    HomePage = apps.get_model("cms", "HomePage")
    HomePage.objects.filter(intro=DEFAULT_INTRO).update(intro="")


def backwards(apps, schema_editor):
    HomePage = apps.get_model("cms", "HomePage")
    HomePage.objects.filter(intro="").update(intro=DEFAULT_INTRO)


class Migration(migrations.Migration):
    dependencies = [("cms", "0008_policypage_exemption_cap_percent_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
