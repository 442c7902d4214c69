from django.core.management.base import BaseCommand

from risk.evaluation import KINDS, measure


class Command(BaseCommand):
    help = (
        "Generate ordinary requests and planted anomalies in a transaction "
        "that is rolled back, screen them with the rules in the database, "
        "and print recall and false-positive rate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--normal", type=int, default=3000)
        parser.add_argument("--anomalies", type=int, default=300)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--current-rules",
            action="store_true",
            help="Measure the rules and thresholds in the database instead of "
            "the shipped defaults.",
        )

    def handle(self, *args, normal, anomalies, seed, current_rules, **options):
        rules = "current" if current_rules else "shipped default"
        self.stdout.write(
            f"Screening {normal} ordinary requests and {anomalies} planted "
            f"anomalies with the {rules} rules (seed {seed})…"
        )
        report = measure(
            normal=normal, anomalies=anomalies, seed=seed, shipped=not current_rules
        )
        out = self.stdout.write
        out(f"ordinary requests: {report.normal}")
        out(
            f"false positives:   {report.false_positives} "
            f"({report.false_positive_rate:.1%}, target at most 5.0%)"
        )
        for rule, hits in report.rule_hits_on_normal.most_common():
            out(f"  {rule:28} hit {hits} ordinary requests")
        out(
            f"planted anomalies: {sum(report.planted.values())}, "
            f"recall {report.recall:.1%} (target at least 95.0%)"
        )
        out(
            f"  {'kind':28} {'planted':>7} {'flagged':>7} {'recall':>7} {'own rule':>8}"
        )
        for kind in KINDS:
            out(
                f"  {kind:28} {report.planted[kind]:7} {report.caught[kind]:7} "
                f"{report.recall_of(kind):7.1%} {report.caught_by_own_rule[kind]:8}"
            )
        out("All generated rows were rolled back.")
