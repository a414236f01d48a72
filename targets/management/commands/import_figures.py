
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from targets import template_xlsx, workflow
from targets.management.arguments import file_to_read


class Command(BaseCommand):
    help = "Import a filled-in Excel template with the same rules and permissions as the upload page."

    def add_arguments(self, parser):
        parser.add_argument("path", type=file_to_read)
        parser.add_argument("--user", required=True)
        parser.add_argument("--accept-warnings", action="store_true", help="save despite soft warnings (listed anyway)")
        parser.add_argument("--submit", action="store_true",
                            help="send each imported unit's report for review, as the entry page's 'Save and submit' does")

    def handle(self, *args, path, user, accept_warnings, submit, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        with open(path, "rb") as handle:
            result = template_xlsx.read_upload(handle, path.stat().st_size, user=account)
        if not result.ok:
            raise CommandError("Nothing was saved:\n- " + "\n- ".join(str(p) for p in result.problems))
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if not (result.rows or result.task_rows or submit):
            self.stdout.write("Nothing to save: every figure and task report in the file is as already saved.")
            return
        if result.warnings and not accept_warnings:
            raise CommandError("Nothing was saved: confirm the warnings above with --accept-warnings.")
        try:
            saved = template_xlsx.save_upload(result, user=account, submit=submit)
        except workflow.EntryRefused as refused:
            raise CommandError(f"Nothing was saved: {refused.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Saved {saved} figures and {len(result.task_rows)} task reports."))
        if submit:
            self.stdout.write(self.style.SUCCESS(f"Submitted for review: {', '.join(sorted(result.units))}."))
