from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets import pledge_xlsx
from targets.management.arguments import campaign_of, file_to_write, wrote
from targets.models import Unit


class Command(BaseCommand):
    help = "Write the year's emulation pledge template: one row per unit and measure it reports, current pledges filled in."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", action="append", default=[], help="unit code; repeat for several (default: all)")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, unit, output, **options):
        campaign = campaign_of(year)
        units = None
        if unit:
            units = Unit.objects.filter(code__in=unit)
            unknown = set(unit) - set(units.values_list("code", flat=True))
            if unknown:
                raise CommandError(_("Unknown units: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
        pledge_xlsx.build_template(campaign, units).save(output)
        self.stdout.write(self.style.SUCCESS(wrote(output)))
