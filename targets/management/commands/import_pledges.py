
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets import access, commendation, pledge_xlsx
from targets.management.arguments import file_to_read


class Command(BaseCommand):
    help = "Import a filled-in pledge template: every row checked, every problem listed, nothing saved unless all are valid."

    def add_arguments(self, parser):
        parser.add_argument("path", type=file_to_read)
        parser.add_argument("--user", required=True, help="an admin: pledges are entered by admins")

    # What it says is in the site's language (LANGUAGE_CODE), as the reasons from the rules it applies are.
    def handle(self, *args, path, user, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(user)})
        if not account.is_active or not access.is_admin(account):
            raise CommandError(_("%(name)s is not an admin; only admins enter pledges.") % {"name": user})
        with open(path, "rb") as handle:
            result = pledge_xlsx.read_pledges(handle, path.stat().st_size)
        if not result.ok:
            raise CommandError(_("Nothing was saved:") + "\n- " + "\n- ".join(str(p) for p in result.problems))
        for note in result.notes:  # a row cleared over a stored pledge, which stays (as the page says)
            self.stderr.write(_("Warning: %(warning)s") % {"warning": note})
        if not result.rows:
            raise CommandError(_("Nothing was saved: the file has no pledged figures."))
        try:
            created, updated = pledge_xlsx.save_pledges(result, user=account)
        except commendation.Refused as refused:
            raise CommandError(_("Nothing was saved: %(reason)s") % {"reason": refused.message}) from None
        self.stdout.write(self.style.SUCCESS(_("Saved %(new)s new and %(changed)s changed pledges; %(same)s unchanged.") % {
            "new": created, "changed": updated, "same": len(result.rows) - created - updated}))
