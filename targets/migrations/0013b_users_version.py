from django.db import migrations

from targets import versions


class Migration(migrations.Migration):
    """The users version beside the data version, moved by any change to a user, a group or a
    membership (targets/versions.py, targets.access.CachedUsersBackend)."""

    dependencies = [("targets", "0013_data_version"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunSQL(versions.CREATE_USERS_SQL, versions.DROP_USERS_SQL),
        migrations.RunSQL(*versions.track_sql("auth_user", "auth_group", "auth_user_groups", function=versions.USERS_FUNCTION)),
    ]
