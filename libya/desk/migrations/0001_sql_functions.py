"""Extensions and SQL functions that generated columns and indexes depend on.

The embedded PostgreSQL ships pg_trgm but not unaccent, so accent folding is a
small IMMUTABLE SQL function built on normalize(): it can back generated
columns and expression indexes, and queries fold their terms with the same
function.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FOLD = r"""
CREATE OR REPLACE FUNCTION desk_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN btrim(regexp_replace(
    lower(replace(replace(replace(replace(
        regexp_replace(normalize(value, NFD), '[\u0300-\u036f]', '', 'g'),
        'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae')),
    '[^[:alnum:]]+', ' ', 'g'));
"""

PERIOD_END = r"""
CREATE OR REPLACE FUNCTION desk_period_end(day date, date_precision text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE date_precision
    WHEN 'month' THEN (date_trunc('month', day::timestamp) + interval '1 month - 1 day')::date
    WHEN 'year' THEN (date_trunc('year', day::timestamp) + interval '1 year - 1 day')::date
    ELSE day
END;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        TrigramExtension(),
        migrations.RunSQL(FOLD, "DROP FUNCTION IF EXISTS desk_fold(text);"),
        migrations.RunSQL(PERIOD_END, "DROP FUNCTION IF EXISTS desk_period_end(date, text);"),
    ]
