"""On PostgreSQL, the database itself refuses to rewrite a submitted
review's content (reviews.models.REVIEW_MUTABLE_FIELDS lists what moves):
its company, invoice, author (and the checks made of it: name match, domain,
device hashes), experience and submission dates never change;
its ratings, title, text and declaration change only with the author's
resubmission of a refused review (status rejected → pending); the
retention job's anonymisation blanks the title, text and author once
(anonymised_at set, content empty: ReviewQuerySet.anonymise). A raw UPDATE
raises a check violation (IntegrityError). Other databases rely on the ORM
guard alone."""

from django.db import migrations

FIXED = (
    "company_id, invoice_id, author_name, author_email, author_domain, experience_date, "
    "created_at, name_match, name_score, ip_hash, user_agent_hash"
)
# What anonymisation keeps: the company, invoice, dates and ratings.
FIXED_ANONYMISED = "company_id, invoice_id, experience_date, created_at, declared_at"
RATINGS = "rating, rating_reliability, rating_quality, rating_value, rating_communication"
RESUBMITTED = (
    "rating, rating_reliability, rating_quality, rating_value, rating_communication, "
    "title, text, declared_at"
)


def _row(columns: str, prefix: str) -> str:
    return "(" + ", ".join(f"{prefix}.{c.strip()}" for c in columns.split(",")) + ")"


CREATE = f"""
CREATE OR REPLACE FUNCTION reviews_review_write_once() RETURNS trigger AS $$
BEGIN
    IF OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
       AND NEW.title = '' AND NEW.text = '' AND NEW.author_name = ''
       AND NEW.author_email = ''
       AND {_row(FIXED_ANONYMISED, "NEW")} IS NOT DISTINCT FROM {_row(FIXED_ANONYMISED, "OLD")}
       AND {_row(RATINGS, "NEW")} IS NOT DISTINCT FROM {_row(RATINGS, "OLD")} THEN
        RETURN NEW;
    END IF;
    IF OLD.anonymised_at IS DISTINCT FROM NEW.anonymised_at
       OR {_row(FIXED, "NEW")} IS DISTINCT FROM {_row(FIXED, "OLD")}
       OR ({_row(RESUBMITTED, "NEW")} IS DISTINCT FROM {_row(RESUBMITTED, "OLD")}
           AND NOT (OLD.status = 'rejected' AND NEW.status = 'pending')) THEN
        RAISE EXCEPTION 'review %%: a submitted review is written once', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reviews_review_write_once BEFORE UPDATE ON reviews_review
    FOR EACH ROW EXECUTE FUNCTION reviews_review_write_once();
"""

DROP = """
DROP TRIGGER IF EXISTS reviews_review_write_once ON reviews_review;
DROP FUNCTION IF EXISTS reviews_review_write_once();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0014_write_once_reviews_reply_revisions")]

    operations = [migrations.RunPython(create, drop)]
