from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.services import tariff_import
from billing.tariff_documents import TariffDocumentError


class Command(BaseCommand):
    help = "Import a tariff document (YAML, see docs/tariffs.md); the same name again makes a new version."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the YAML document, or - for standard input")

    def handle(self, *args, file: str, **options):
        try:
            text = self.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            version = tariff_import(text=text)
        except TariffDocumentError as exc:
            raise CommandError(
                f"{file}: refused, nothing imported:\n" + "\n".join(f"  {e}" for e in exc.errors)
            ) from None
        self.stdout.write(
            f"Imported {version.name} version {version.version}, valid from {version.valid_from} "
            f"({len(version.definition['rules'])} rules)."
        )
