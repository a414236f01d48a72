
import logging

from django.core.management.base import BaseCommand, CommandError

from targets.backup import BackupError, backup, default_path, describe
from targets.management.arguments import file_to_write


class Command(BaseCommand):
    help = "Back up the configured database (embedded or DATABASE_URL) to a pg_dump custom-format file."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=file_to_write, help="file to write (default: backups/emulation-<time>.dump)")

    def handle(self, *args, output, **options):
        try:
            path = backup(output or default_path())
        except BackupError as error:
            raise CommandError(f"Backup of {describe()} failed: {error}") from None
        # In the site's log too: when the last backup was taken is an operator's question.
        logging.getLogger("targets.operations").info("Backup of %s written to %s", describe(), path)
        self.stdout.write(self.style.SUCCESS(f"Backup of {describe()} written to {path} (readable by its owner only)"))
