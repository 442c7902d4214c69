import datetime

import pytest
from django.core.management import call_command

from operations.business_calendar import (
    add_business_minutes,
    business_minutes_between,
    is_working_day,
)
from operations.models import CalendarDay, DayKind
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


def test_national_day_2025_is_off_and_its_exchanged_sunday_is_worked():
    assert is_working_day(datetime.date(2025, 9, 28))  # Sunday, worked
    assert not any(is_working_day(datetime.date(2025, 10, day)) for day in range(1, 9))
    assert is_working_day(datetime.date(2025, 10, 11))  # Saturday, worked
    assert is_working_day(datetime.date(2025, 10, 9))
    assert not is_working_day(datetime.date(2025, 10, 12))  # plain Sunday


def test_a_deadline_runs_through_the_exchanged_working_sunday():
    friday_evening = at(2025, 9, 26, 17, 0)

    deadline = add_business_minutes(friday_evening, 2 * 60)

    # One hour on Friday, Saturday off, then the worked Sunday.
    assert deadline == at(2025, 9, 28, 10, 0)


def test_a_deadline_skips_the_whole_golden_week():
    last_evening = at(2025, 9, 30, 17, 30)

    deadline = add_business_minutes(last_evening, 60)

    assert deadline == at(2025, 10, 9, 9, 30)


def test_business_minutes_over_the_holiday_count_only_working_days():
    # Sep 29 and 30 (two working days) plus Oct 9 and 10 before Saturday.
    minutes = business_minutes_between(at(2025, 9, 29, 0, 0), at(2025, 10, 11, 0, 0))

    assert minutes == 4 * 8 * 60


def test_the_lunch_break_is_not_business_time():
    assert add_business_minutes(at(2025, 6, 10, 11, 30), 60) == at(2025, 6, 10, 13, 30)
    assert (
        business_minutes_between(at(2025, 6, 10, 11, 0), at(2025, 6, 10, 14, 0)) == 120
    )


def test_a_plain_weekend_is_skipped():
    assert add_business_minutes(at(2025, 6, 13, 17, 30), 60) == at(2025, 6, 16, 9, 30)


def test_time_outside_working_hours_starts_counting_at_the_next_opening():
    assert add_business_minutes(at(2025, 6, 10, 20, 0), 30) == at(2025, 6, 11, 9, 30)


def test_spring_festival_2026_with_its_two_worked_saturdays():
    assert is_working_day(datetime.date(2026, 2, 14))
    assert is_working_day(datetime.date(2026, 2, 28))

    deadline = add_business_minutes(at(2026, 2, 13, 17, 0), 2 * 60)

    assert deadline == at(2026, 2, 14, 10, 0)
    after_holiday = add_business_minutes(at(2026, 2, 14, 17, 0), 2 * 60)
    assert after_holiday == at(2026, 2, 24, 10, 0)


def test_a_day_added_in_the_admin_changes_deadlines():
    CalendarDay.objects.create(date=datetime.date(2025, 6, 11), kind=DayKind.HOLIDAY)

    assert add_business_minutes(at(2025, 6, 10, 17, 30), 60) == at(2025, 6, 12, 9, 30)


def test_working_hours_come_from_settings(settings):
    settings.OPERATIONS_WORKING_HOURS = "08:00-16:00"

    assert add_business_minutes(at(2025, 6, 10, 15, 0), 120) == at(2025, 6, 11, 9, 0)


def test_load_holidays_adds_a_new_year_from_csv(tmp_path):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,kind,name_zh,name_en\n"
        "2027-01-01,holiday,元旦,New Year's Day\n"
        "2027-01-02,workday,调休上班,Make-up workday\n",
        encoding="utf-8",
    )

    call_command("load_holidays", str(csv_file))

    assert not is_working_day(datetime.date(2027, 1, 1))
    assert is_working_day(datetime.date(2027, 1, 2))  # a Saturday
    assert CalendarDay.objects.get(date="2027-01-01").name_zh == "元旦"


def test_load_holidays_refuses_a_bad_row(tmp_path):
    from django.core.management.base import CommandError

    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("date,kind\n2027-01-01,vacation\n", encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("load_holidays", str(csv_file))

    assert not CalendarDay.objects.filter(date="2027-01-01").exists()


def test_a_year_ahead_without_holidays_is_reported_until_it_is_loaded(tmp_path, caplog):
    from operations.tasks import check_calendar
    from parkportal.core import clock

    with clock.travel(at(2026, 6, 1, 9, 0)):
        assert check_calendar.delay().get() == []
    with clock.travel(at(2026, 11, 20, 9, 0)):
        assert check_calendar.delay().get() == [2027]
    assert "no public holidays loaded for 2027" in caplog.text

    notice = tmp_path / "2027.csv"
    notice.write_text(
        "date,kind,name_zh,name_en\n2027-01-01,holiday,元旦,New Year's Day\n",
        encoding="utf-8",
    )
    call_command("load_holidays", str(notice))

    with clock.travel(at(2026, 11, 20, 9, 0)):
        assert check_calendar.delay().get() == []


def test_the_agenda_warns_of_a_year_without_holidays(db):
    from django.utils import translation

    from operations.services.digest import digest_as_text, digest_prepare
    from parkportal.core import clock

    with clock.travel(at(2026, 12, 7, 8, 30)):
        digest = digest_prepare()

    assert digest.content["calendar_missing_years"] == [2027]
    with translation.override("en"):
        assert "No public holidays are loaded for 2027" in digest_as_text(digest)
    with translation.override("zh-hans"):
        assert "尚未载入 2027 年的法定节假日" in digest_as_text(digest)
