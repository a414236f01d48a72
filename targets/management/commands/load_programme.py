from django.core.management.base import BaseCommand, CommandError

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
                self.stdout.write(f"The {year} programme is loaded already; left as it is (the admin's changes kept). "
                                  f"To update it from the file: manage.py load_programme {path}")
                return
            result = load_programme(data)
        except ProgrammeError as exc:
            raise CommandError("Nothing was loaded:\n- " + "\n- ".join(exc.errors)) from None
        campaign = result.campaign
        if not result.changed:
            self.stdout.write(f"Programme {campaign} is already up to date.")
            return
        created = ", ".join(f"{n} {k}" for k, n in sorted(result.created.items())) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in sorted(result.updated.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Programme {campaign}: created {created}; updated {updated}."))
