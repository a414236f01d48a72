from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets import access, template_xlsx
from targets.management.arguments import campaign_of, file_to_write, wrote


class Command(BaseCommand):
    help = "Write the Excel entry template of a quarter for the given units (default: all the user may edit)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        parser.add_argument("--unit", action="append", default=[], help="unit code; repeat for several")
        parser.add_argument("--user", required=True, help="whose permissions apply")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, quarter, unit, user, output, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(user)})
        campaign = campaign_of(year)
        units = access.editable_units(account)
        if unit:
            refused = set(unit) - set(units.filter(code__in=unit).values_list("code", flat=True))
            if refused:
                raise CommandError(_("%(user)s may not enter figures for: %(units)s.") % {"user": user, "units": ", ".join(sorted(refused))})
            units = units.filter(code__in=unit)
        if not units.exists():
            raise CommandError(_("%(user)s may not enter figures for any unit.") % {"user": user})
        template_xlsx.build_template(campaign=campaign, quarter=quarter, units=units, user=account).save(output)
        self.stdout.write(self.style.SUCCESS(wrote(output)))
