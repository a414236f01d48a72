from django.core.management.base import BaseCommand, CommandError

from targets import pledge_xlsx
from targets.management.arguments import file_to_write
from targets.models import Campaign, Unit


class Command(BaseCommand):
    help = "Write the year's emulation pledge template: one row per unit and measure it reports, current pledges filled in."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", action="append", default=[], help="unit code; repeat for several (default: all)")
        parser.add_argument("-o", "--output", required=True, type=file_to_write)

    def handle(self, *args, year, unit, output, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"There is no programme for {year}.")
        units = None
        if unit:
            units = Unit.objects.filter(code__in=unit)
            unknown = set(unit) - set(units.values_list("code", flat=True))
            if unknown:
                raise CommandError(f"Unknown units: {', '.join(sorted(unknown))}.")
        pledge_xlsx.build_template(campaign, units).save(output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
