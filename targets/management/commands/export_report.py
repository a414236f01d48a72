from django.core.management.base import BaseCommand

from targets import exports
from targets.management.arguments import campaign_of, file_to_write, wrote


class Command(BaseCommand):
    help = "Write the official report workbook of a period (with the by-unit and submissions sheets)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        parser.add_argument("-o", "--output", required=True, type=file_to_write, help="path of the .xlsx to write")

    def handle(self, *args, year, quarter, lang, output, **options):
        campaign = campaign_of(year)
        exports.report_workbook(campaign, quarter, lang=lang).save(output)
        self.stdout.write(self.style.SUCCESS(wrote(output)))
