"""What the load needs from the seeded database, as JSON on stdout: for
each enterprise applicant of the demo, a contract with room left and the
enterprise's verified bank account as payee.

    python -m bench.prodload.prepare > setup.json
"""

import json
import os

import django

APPLICANTS = ("enterprise", "enterprise2")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")
    django.setup()
    from parkportal.accounts.models import User

    applicants = {}
    for username in APPLICANTS:
        user = User.objects.select_related("enterprise").get(username=username)
        contract = user.enterprise.contracts.order_by("-paid_amount").first()
        account = user.enterprise.bank_accounts.filter(
            verified_at__isnull=False
        ).first()
        applicants[username] = {
            "contract": contract.pk,
            "payee": {
                "payee_name": account.holder_name,
                "payee_bank": account.bank_name,
                "payee_account": account.account_number,
            },
        }
    print(json.dumps({"applicants": applicants}))


if __name__ == "__main__":
    main()
