from django.db import migrations

from targets import versions

# The tables whose rows a page shows (a table added later: see versions.track_sql).
TRACKED = (
    "targets_campaign", "targets_emulationbloc", "targets_unit", "targets_theme", "targets_task", "targets_indicator",
    "targets_measure", "targets_measureassignment", "targets_deadline", "targets_submission", "targets_figure",
    "targets_historicalfigure", "targets_taskreport",
)


class Migration(migrations.Migration):
    """The data and users versions in PostgreSQL, moved by triggers (targets/versions.py)."""

    dependencies = [("targets", "0014_limits_on_text_and_token_expiry"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunSQL(versions.CREATE_SQL, versions.DROP_SQL),
        migrations.RunSQL(*versions.track_sql(*TRACKED)),
        # Who is signed in with which roles: users, groups, memberships.
        migrations.RunSQL(*versions.track_sql("auth_user", "auth_group", "auth_user_groups", kind="users")),
    ]
