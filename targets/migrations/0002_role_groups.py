from django.db import migrations

ROLES = ("viewer", "reporter", "reviewer", "admin")


def create_groups(apps, schema_editor):
    # Roles are groups whose names the code relies on (targets.access.Role), so they must exist
    # on every installation, not only where the demo was seeded.
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
