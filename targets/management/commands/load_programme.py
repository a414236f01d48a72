from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.management.arguments import file_to_read
from targets.models import Campaign
from targets.programme import ProgrammeError, load_programme, read_programme


class Command(BaseCommand):
    help = "Load an emulation programme file (JSON, see fixtures/) into the database, updating it in place."

    def add_arguments(self, parser):
        parser.add_argument("path", type=file_to_read, help="programme file, e.g. fixtures/ha-giang-2024.json")
        parser.add_argument("--if-absent", action="store_true",
                            help="load the programme only if its year is not in the database yet (make run: what an "
                                 "admin has changed since is kept, not reset to the file)")

    def handle(self, *args, path, if_absent=False, **options):
        try:
            data = read_programme(path)
            year = data.get("campaign", {}).get("year") if isinstance(data, dict) and isinstance(data.get("campaign"), dict) else None
            if if_absent and isinstance(year, int) and Campaign.objects.filter(year=year).exists():
                self.stdout.write(_("The %(year)s programme is loaded already; left as it is (the admin's changes kept). "
                                    "To update it from the file: manage.py load_programme %(path)s") % {"year": year, "path": path})
                return
            result = load_programme(data)
        except ProgrammeError as exc:
            raise CommandError(_("Nothing was loaded:") + "\n- " + "\n- ".join(exc.errors)) from None
        campaign = result.campaign
        if not result.changed:
            self.stdout.write(_("Programme %(programme)s is already up to date.") % {"programme": campaign})
            return
        self.stdout.write(self.style.SUCCESS(_("Programme %(programme)s: created %(created)s; updated %(updated)s.") % {
            "programme": campaign, "created": _counts(result.created), "updated": _counts(result.updated)}))


def _counts(rows) -> str:
    """"12 units, 20 indicators": how many rows of each kind, named as the admin names them."""
    named = [f"{n} {apps.get_model('targets', model)._meta.verbose_name_plural}" for model, n in sorted(rows.items())]
    return ", ".join(named) or _("nothing")
