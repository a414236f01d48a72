from django.core.management.base import BaseCommand, CommandError

from targets.services import CopyError, after_copy, copy_campaign


class Command(BaseCommand):
    help = "Set up a new year's programme by copying an existing one (structure and targets, no figures)."

    def add_arguments(self, parser):
        parser.add_argument("source_year", type=int)
        parser.add_argument("target_year", type=int)

    def handle(self, *args, source_year, target_year, **options):
        try:
            campaign = copy_campaign(source_year=source_year, target_year=target_year)
        except CopyError as exc:
            raise CommandError(str(exc)) from None
        done, notes = after_copy(campaign, source_year)
        self.stdout.write(self.style.SUCCESS(done))
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
