"""Keep each article's search vector in its table row instead of the TOAST table.

A 2 KB article's French tsvector takes about 2.6 KB, so PostgreSQL moved it out of
line, and every test of ``search_vector @@ query`` outside the GIN index (walking
the date index for the newest matches, ranking them) cost a TOAST index probe and
two chunk reads: at 200,000 articles, ranking the newest 1,000 matches of a common
term took 40 to 85 ms, 19 to 21 ms with the vector in the row (measured with
EXPLAIN ANALYZE on the tier-M synthetic corpus).

STORAGE MAIN lets PostgreSQL compress the vector but moves it out of line only as
a last resort; toast_tuple_target lets a row grow to about half a page before the
body (still EXTENDED) is moved out. Rows written before this migration keep their
out-of-line vectors until rewritten (``VACUUM FULL desk_article``).
"""

from django.db import migrations

FORWARD = """
ALTER TABLE desk_article ALTER COLUMN search_vector SET STORAGE MAIN;
ALTER TABLE desk_article SET (toast_tuple_target = 4080);
"""
BACKWARD = """
ALTER TABLE desk_article ALTER COLUMN search_vector SET STORAGE EXTENDED;
ALTER TABLE desk_article RESET (toast_tuple_target);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0005_event_date_slug_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
