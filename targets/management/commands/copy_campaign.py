from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from targets.models import Deadline, Unit
from targets.services import CopyError, copy_campaign


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
        self.stdout.write(self.style.SUCCESS(
            f"Created the {target_year} programme from {source_year}: "
            f"{campaign.themes.count()} themes, {campaign.indicators.count()} indicators, "
            f"{campaign.measures.count()} measures. Review its number, dates and targets in the admin."
        ))
        copied = set(campaign.deadlines.filter(unit__isnull=True).values_list("quarter", flat=True))
        for quarter in sorted(set(Deadline.objects.filter(campaign__year=source_year, unit__isnull=True).values_list("quarter", flat=True)) - copied):
            self.stdout.write(self.style.WARNING(
                f"The Q{quarter} deadline of {source_year}, a year later, falls outside the dates a deadline may have; "
                f"Q{quarter} {target_year} is due on the default {campaign.default_deadline(quarter):%d/%m/%Y}. Set it in the admin."))
        # Copied as they were: a unit retired since would be owed reports it will never send.
        retired = (Unit.objects.filter(is_active=False).filter(
            Q(assignments__measure__campaign=campaign) | Q(tasks__theme__campaign=campaign) | Q(led_indicators__campaign=campaign))
            .distinct().order_by("code").values_list("code", flat=True))
        if retired:
            self.stdout.write(self.style.WARNING(
                f"Units no longer active still report in {target_year}: {', '.join(retired)}. Give their measures, "
                f"tasks and indicators to other units in the admin, or make them active again."))
