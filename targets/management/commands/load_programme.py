from django.core.management.base import BaseCommand, CommandError

from targets.management.arguments import file_to_read
from targets.programme import ProgrammeError, load_programme, read_programme


class Command(BaseCommand):
    help = "Load an emulation programme file (JSON, see fixtures/) into the database, updating it in place."

    def add_arguments(self, parser):
        parser.add_argument("path", type=file_to_read, help="programme file, e.g. fixtures/ha-giang-2024.json")

    def handle(self, *args, path, **options):
        try:
            result = load_programme(read_programme(path))
        except ProgrammeError as exc:
            raise CommandError("Nothing was loaded:\n- " + "\n- ".join(exc.errors)) from None
        campaign = result.campaign
        if not result.changed:
            self.stdout.write(f"Programme {campaign} is already up to date.")
            return
        created = ", ".join(f"{n} {k}" for k, n in sorted(result.created.items())) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in sorted(result.updated.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Programme {campaign}: created {created}; updated {updated}."))
