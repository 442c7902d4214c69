"""Celery tasks of the risk app: thin, by id, safe to run twice."""

from celery import shared_task

from risk.services.assessment import assessment_catch_up, assessment_run


@shared_task(name="risk.assess_refund")
def assess_refund(refund_id: int, trigger: str = "submit") -> int | None:
    assessment = assessment_run(refund_id=refund_id, trigger=trigger)
    return assessment.pk if assessment else None


@shared_task(name="risk.assess_unscreened")
def assess_unscreened() -> int:
    return assessment_catch_up()
