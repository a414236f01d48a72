from django.core.management.base import BaseCommand, CommandError

from targets import exports
from targets.management.arguments import file_to_write
from targets.models import Campaign


class Command(BaseCommand):
    help = "Write the official report workbook of a period (with the by-unit and submissions sheets)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        parser.add_argument("-o", "--output", required=True, type=file_to_write, help="path of the .xlsx to write")

    def handle(self, *args, year, quarter, lang, output, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"There is no programme for {year}.")
        exports.report_workbook(campaign, quarter, lang=lang).save(output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
