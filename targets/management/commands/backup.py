
import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("Backup of %(database)s failed: %(error)s") % {"database": describe(), "error": error}) from None
        # In the site's log too: when the last backup was taken is an operator's question.
        logging.getLogger("targets.operations").info("Backup of %s written to %s", describe(), path)
        self.stdout.write(self.style.SUCCESS(_("Backup of %(database)s written to %(path)s (readable by its owner only)") % {
            "database": describe(), "path": path}))
