"""Fill the plain site's database: `python -m plain_site.populate CASES` (bench only)."""

import os
import random
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plain_site.settings")

import django  # noqa: E402

django.setup()
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from plain_site.models import Case, Note  # noqa: E402


def main(cases: int) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user("coordinator", password=os.environ["PLAIN_PASSWORD"])
    rng = random.Random(1)
    rows = [
        Case(
            reference=f"PL-{i:08X}",
            risk=rng.choice(["high", "medium"]),
            given_name=rng.choice(["Аслан", "Руслан", "Зелимхан", "Ислам"]),
            family_name=rng.choice(["Исаев", "Магомадов", "Хасанов", "Умаров"]),
        )
        for i in range(cases)
    ]
    Case.objects.bulk_create(rows, batch_size=500)
    Note.objects.bulk_create([Note(case=c, text="Связь через доверенного контакта.") for c in rows])
    for c in Case.objects.values_list("id", flat=True):
        print(c)


if __name__ == "__main__":
    main(int(sys.argv[1]))
