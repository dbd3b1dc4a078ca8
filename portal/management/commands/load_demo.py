"""``python manage.py load_demo [--candidates N]``: the demo data, idempotently.

Each installed app may have a ``demo`` module (found at run time, as Django's admin finds
``admin`` modules: portal sits below the apps and never imports them). They run in INSTALLED_APPS
order, each app's rows building on those of the apps below it: ``load()`` writes the app's rows and
returns its demo accounts; ``add_candidates(n, seed=, stdout=)``, where an app has it, adds
synthetic volume (``--candidates N``). See portal.demo.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import demo, doors
from portal.demo import DEMO_PASSWORD


def demo_modules():
    """The installed apps' ``demo`` modules, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        try:
            modules.append(import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


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
        modules = demo_modules()
        accounts = {}
        # Demo rows are seed data, written directly: this command is their door (portal.doors).
        with transaction.atomic(), doors.service_write():
            for module in modules:
                accounts.update(module.load() or {})
            for spec in accounts.values():
                demo.second_factor(spec)
        self.stdout.write(self.style.SUCCESS("Demo programmes, sessions, partners and accounts are loaded."))
        if candidates:
            with doors.service_write():
                for module in modules:
                    if hasattr(module, "add_candidates"):
                        module.add_candidates(candidates, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"{candidates} synthetic candidates added."))
        if settings.DEBUG:
            self.stdout.write("\nDemo accounts (development only):")
            for account in accounts.values():
                self.stdout.write(f"  {account.role:<34} {account.email:<28} {DEMO_PASSWORD}")
            self.stdout.write(
                "Staff accounts (agent, centre, admin) ask for a second factor: add the secret "
                f"{demo.DEMO_TOTP_SECRET} to an authenticator app (or run: oathtool --totp -b SECRET)."
            )
