from django.db import migrations

from targets import versions

# The tables whose rows a page shows (a table added later: see versions.track_sql).
TRACKED = (
    "targets_campaign", "targets_emulationbloc", "targets_unit", "targets_theme", "targets_task", "targets_indicator",
    "targets_measure", "targets_measureassignment", "targets_deadline", "targets_submission", "targets_figure",
    "targets_historicalfigure", "targets_taskreport",
)


class Migration(migrations.Migration):
    """The data version in PostgreSQL, moved by triggers (targets/versions.py)."""

    dependencies = [("targets", "0012_figures_as_published")]
    operations = [
        migrations.RunSQL(versions.CREATE_SQL, versions.DROP_SQL),
        migrations.RunSQL(*versions.track_sql(*TRACKED)),
    ]
