"""``python manage.py load_demo [--candidates N]``: the demo data, idempotently (see portal.demo)."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import demo, demo_candidates

# Other features' demo rows: each module's ``load()`` is idempotent and runs after the core data,
# in this order. Add one line per feature.
FEATURE_LOADERS = ("partners.demo", "programmes.demo_rules")


class Command(BaseCommand):
    help = "Load the demo programmes, sessions, partners and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--candidates",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic candidates, each with a submitted application.",
        )
        parser.add_argument("--seed", type=int, default=2017, help="Random seed for --candidates.")

    def handle(self, *args, candidates, seed, **options):
        if candidates < 0:
            raise CommandError("--candidates must be zero or more.")
        accounts = demo.load()
        for dotted in FEATURE_LOADERS:
            import_module(dotted).load()
        self.stdout.write(self.style.SUCCESS("Demo programmes, sessions, partners and accounts are loaded."))
        if candidates:
            demo_candidates.create_candidates(candidates, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"{candidates} synthetic candidates added."))
        if settings.DEBUG:
            self.stdout.write("\nDemo accounts (development only):")
            for account in accounts.values():
                self.stdout.write(f"  {account.role:<34} {account.email:<28} {demo.DEMO_PASSWORD}")
