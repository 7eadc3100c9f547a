"""Create the peer's tables and one published survey like this service's questionnaire: 12 required five-point
items and an optional open question, all on one page, open to anyone with the link. Prints the survey's id."""
import datetime
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from survey.models import Question, Survey  # noqa: E402

call_command("migrate", verbosity=0)
survey = Survey.objects.create(name="远程教育网络运维满意度调查", description="满意度调查", is_published=True,
                               need_logged_user=False, editable_answers=False,
                               display_method=Survey.ALL_IN_ONE_PAGE,
                               expire_date=datetime.date.today() + datetime.timedelta(days=30))
for order in range(1, 13):
    Question.objects.create(survey=survey, order=order, required=True, type=Question.RADIO,
                            text=f"第{order}项的满意程度", choices="1,2,3,4,5")
Question.objects.create(survey=survey, order=13, required=False, type=Question.TEXT, text="意见和建议")
print(survey.id)
