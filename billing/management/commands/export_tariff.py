from django.core.management.base import BaseCommand, CommandError

from billing.services import BillingError, tariff_export


class Command(BaseCommand):
    help = "Print a tariff document as imported (the newest version, or --tariff-version N)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--tariff-version", type=int, dest="tariff_version")

    def handle(self, *args, name: str, tariff_version: int | None = None, **options):
        try:
            self.stdout.write(tariff_export(name, tariff_version), ending="")
        except BillingError as exc:
            raise CommandError(exc.message) from None
