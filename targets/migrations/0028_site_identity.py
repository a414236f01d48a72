from django.db import migrations

from targets import versions


class Migration(migrations.Migration):
    """The site's own identity beside the data version, named by every cache key (targets/versions.py)."""

    dependencies = [("targets", "0027_upload_previews")]

    operations = [migrations.RunSQL(versions.CREATE_SITE_SQL, versions.DROP_SITE_SQL)]
