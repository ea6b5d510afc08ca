from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hotelpbx.partners.scopes import SCOPES, parse_scopes
from hotelpbx.partners.services import api_key_create


class Command(BaseCommand):
    help = "Make an API key for a partner system (made if new). The key is printed once and stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner system, e.g. 'Mews'.")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated: {', '.join(SCOPES)}.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Default: no expiry.")

    def handle(self, *args, name, scopes, expires_in_days, **options):
        try:
            wanted = parse_scopes(scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not wanted:
            raise CommandError("Give at least one scope.")
        expires = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        key_row, key = api_key_create(partner_name=name, scopes=wanted, expires_at=expires)
        self.stdout.write(key)
        self.stderr.write(
            f"Key {key_row.prefix} for {name}: scopes {', '.join(wanted)}"
            + (f", expires {expires:%Y-%m-%d}" if expires else "")
            + ". It is shown only now."
        )
