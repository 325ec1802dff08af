"""Schemathesis hooks for Tests/e2e/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Every check runs (`--checks all`). One hook, `filter_failure`, drops exactly two kinds of "schema-valid request
rejected" failures, each of which the OpenAPI document states but no JSON Schema can:

* A refusal with one of the codes an operation lists in `x-business-rules`: it depends on stored state (not enough
  credit, contacts already in another batch, a unit the account's plan does not hold) or on the content of an
  uploaded file (schemathesis cannot write a valid spreadsheet of callable contacts).
* A VALIDATION_ERROR naming only fields of a rule that compares two values, when the request does break that rule
  (JSON Schema compares a value with constants, never with another value): a calling window whose start equals its
  end, dias_fecha_limite later than dias_fecha_maxima, end_date before start_date.

Anything else the server refuses still fails the run, and the summary counts what was dropped."""
import json

from schemathesis import hook
from schemathesis.openapi.checks import RejectedPositiveData


def _response_json(response):
    try:
        return json.loads(response.content)
    except (ValueError, TypeError):
        return None


def _form_integer(value):
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _call_settings(body):
    """The call settings a JSON body or an upload form carries, and the field name errors give them."""
    if not isinstance(body, dict):
        return None, None
    for field in ("call_settings", "call_settings_json"):
        settings = body.get(field)
        if isinstance(settings, str):
            try:
                settings = json.loads(settings)
            except ValueError:
                settings = None
        if isinstance(settings, dict):
            return field, settings
    return None, None


def _broken_comparisons(case):
    """Field names of the value-to-value rules this request breaks, as the server's errors name them."""
    broken = set()
    query = case.query or {}
    start, end = query.get("start_date"), query.get("end_date")
    if start and end and isinstance(start, str) and isinstance(end, str) and end < start:
        broken.add("end_date")
    body = case.body if isinstance(case.body, dict) else {}
    limit, maximum = _form_integer(body.get("dias_fecha_limite")), _form_integer(body.get("dias_fecha_maxima"))
    if limit is not None and maximum is not None and limit > maximum:
        broken.add("dias_fecha_limite")
    field, settings = _call_settings(body)
    if settings is not None:
        for key in ("allowed_hours", "allowed_call_hours"):
            window = settings.get(key)
            if isinstance(window, dict) and _minutes(window.get("start")) == _minutes(window.get("end")) is not None:
                broken.add(f"{field}.allowed_hours")  # the legacy name is read as allowed_hours
    return broken


def _minutes(text):
    if not isinstance(text, str) or ":" not in text:
        return None
    hour, minute = text.split(":", 1)
    return int(hour) * 60 + int(minute) if hour.isdigit() and minute.isdigit() else None


@hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, RejectedPositiveData):
        return True
    body = _response_json(response)
    if not isinstance(body, dict):
        return True
    code = body.get("code")
    if code in case.operation.definition.raw.get("x-business-rules", []):
        return False
    if code == "VALIDATION_ERROR":
        fields = {error.get("field") for error in body.get("errors", [])}
        if fields and fields <= _broken_comparisons(case):
            return False
    return True
