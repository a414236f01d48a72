from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
        parser.add_argument("--send-incomplete", action="store_true",
                            help="with --submit: send reports that lack a figure or an assessment (the page's 'Send without them')")

    # What it says is in the site's language (LANGUAGE_CODE), as the reasons from the rules it applies are.
    def handle(self, *args, path, user, accept_warnings, submit, send_incomplete, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(user)})
        with open(path, "rb") as handle:
            result = template_xlsx.read_upload(handle, path.stat().st_size, user=account)
        if not result.ok:
            raise CommandError(_("Nothing was saved:") + "\n- " + "\n- ".join(str(p) for p in result.problems))
        for note in result.notes:  # what was not read or written (another unit's rows), as the page says it
            self.stdout.write(str(note))
        for warning in result.warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        if not (result.rows or result.task_rows or submit):
            self.stdout.write(result.nothing_to_save())
            return
        if result.warnings and not accept_warnings:
            raise CommandError(_("Nothing was saved: confirm the warnings above with --accept-warnings."))
        try:
            saved = template_xlsx.save_upload(result, user=account, submit=submit, send_incomplete=send_incomplete)
        except template_xlsx.Incomplete as incomplete:
            raise CommandError(_("Nothing was saved or sent: %(reason)s Fill them in, or send them as they are with "
                                 "--send-incomplete.") % {"reason": incomplete.message}) from None
        except workflow.EntryRefused as refused:
            raise CommandError(_("Nothing was saved: %(reason)s") % {"reason": refused.message}) from None
        self.stdout.write(self.style.SUCCESS(_("Saved %(figures)s figures and %(tasks)s task reports.") % {
            "figures": saved.figures, "tasks": saved.tasks}))
        if saved.removed:
            self.stdout.write(self.style.SUCCESS(_("Deleted %(count)s saved figures whose rows were cleared.") % {"count": saved.removed}))
        if saved.tasks_removed:
            self.stdout.write(self.style.SUCCESS(_("Deleted %(count)s saved task reports whose rows were cleared.") % {
                "count": saved.tasks_removed}))
        if submit:
            self.stdout.write(self.style.SUCCESS(_("Submitted for review: %(units)s.") % {"units": ", ".join(sorted(result.units))}))
