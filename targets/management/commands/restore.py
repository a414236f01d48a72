
import getpass
import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.backup import BackupError, describe, restore
from targets.management.arguments import file_to_read


class Command(BaseCommand):
    help = "Restore a backup into the configured database, replacing its contents."

    def add_arguments(self, parser):
        parser.add_argument("path", type=file_to_read)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, path, yes, **options):
        if not yes:
            try:
                answer = input(_("This replaces everything in the database %(database)s with %(path)s. Type 'yes' to continue: ")
                               % {"database": describe(), "path": path})
            except EOFError:  # nobody to answer (a script, a cron line): that is no "yes"
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError(_("Nothing was restored."))
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(_("Restore into %(database)s failed (the database is unchanged): %(error)s") % {
                "database": describe(), "error": error}) from None
        # Who put the database back to which day is kept where the site's other events are.
        logging.getLogger("targets.operations").warning("Restored %s into %s (by %s)", path, describe(), getpass.getuser())
        self.stdout.write(self.style.SUCCESS(_("Restored %(path)s into %(database)s") % {"path": path, "database": describe()}))
