from parkportal.dashboard.services import stage_visit_record


def record_stage_visit(sender, *, refund, state_before, **kwargs):
    stage_visit_record(
        refund=refund, state_before=state_before, moment=refund.state_changed_at
    )
