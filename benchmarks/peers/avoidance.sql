-- Avoidance after a bad experience, straight from the raw exports (the DuckDB peer).
--
-- The share of customers still without a purchase {window} days after their
-- first bad service experience: the Kaplan-Meier S({window}) of the days from
-- the index to the next purchase, censored at as_of (the last purchase).
-- Definitions follow csanalysis (io.tickets, io.surveys, io.activity,
-- link.link_customers, experiences.experiences, estimators.avoidance):
--
--   customer    trimmed, lower-cased e-mail address (the email_key link)
--   experience  a customer-initiated Zendesk ticket (Via not OutBound /
--               Closed Ticket), created at `Created at` (Europe/Copenhagen wall
--               clock; the repeated autumn hour read as standard time), with
--               the CSAT of the first finished, non-preview, non-spam Qualtrics
--               response about it; a response about no known ticket is an
--               experience of its own at `RecordedDate`
--   bad         Satisfaction Score 1-2 of 5 or legacy Bad, or CSAT 1-2 of 5
--   index       when the bad experience became known (issue 10): a bad rating
--               at the ticket's `Solved at` (else its `Created at`), a bad CSAT
--               at the response's `RecordedDate`, whichever comes first, never
--               before `Created at`; a customer's index is the earliest of these
--   purchase    one Shopify order (line rows merged by `Name`), at `Paid at`
--               or `Created at` when unpaid; refunded, voided and test orders
--               (Tags `test`, gateway `bogus`, reserved test e-mail domains)
--               left out; so are orders placed while one of the customer's
--               tickets was open (after its `Created at`, up to its `Solved
--               at`): replacement orders, not returns
--   outcome     the first purchase strictly after the index; none -> censored
--               at as_of, the last order (open-ticket orders included)
--
-- Placeholders: {tickets}, {survey}, {orders} (paths), {zone}, {window}.

CREATE OR REPLACE TEMP TABLE purchases AS
WITH lines AS (
    SELECT "Name" AS name, "Email" AS email, "Financial Status" AS fin, "Paid at" AS paid,
           "Created at" AS created, "Tags" AS tags, "Payment Method" AS gateway
    FROM read_csv('{orders}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
), orders AS (
    SELECT name,
           lower(trim(max(NULLIF(trim(email), '')))) AS email,
           lower(replace(trim(max(NULLIF(trim(fin), ''))), ' ', '_')) AS fin,
           max(NULLIF(trim(paid), '')) AS paid,
           max(NULLIF(trim(created), '')) AS created,
           max(NULLIF(trim(tags), '')) AS tags,
           max(NULLIF(trim(gateway), '')) AS gateway
    FROM lines
    WHERE NULLIF(trim(name), '') IS NOT NULL
    GROUP BY name
)
SELECT email AS customer,
       epoch_us(strptime(coalesce(paid, created), '%Y-%m-%d %H:%M:%S %z')) AS at_us
FROM orders
WHERE coalesce(fin, '') NOT IN ('refunded', 'voided')
  AND NOT regexp_matches(coalesce(tags, ''), '(?i)\btest\b')
  AND NOT regexp_matches(coalesce(gateway, ''), '(?i)bogus')
  AND NOT regexp_matches(coalesce(email, ''), '(?i)@[^@\s]*\.(test|example|invalid|localhost)\s*$')
  AND contains(coalesce(email, ''), '@');

CREATE OR REPLACE TEMP TABLE tickets AS
SELECT trim("Id") AS ticket_id,
       NULLIF(lower(trim("Requester email")), '') AS customer,
       epoch_us(timezone('{zone}', strptime(trim("Created at"), '%Y-%m-%d %H:%M:%S'))) AS at_us,
       epoch_us(timezone('{zone}', try_strptime(NULLIF(trim("Solved at"), ''), '%Y-%m-%d %H:%M:%S'))) AS solved_us,
       lower(trim("Via")) NOT IN ('outbound', 'closed ticket') AS customer_initiated,
       lower(trim("Satisfaction Score")) IN ('1', '2', 'bad', 'bad with comment') AS rated_bad
FROM read_csv('{tickets}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"');

CREATE OR REPLACE TEMP TABLE responses AS
SELECT NULLIF(trim(ticket_id), '') AS ticket_id,
       NULLIF(lower(trim(RecipientEmail)), '') AS customer,
       epoch_us(timezone('{zone}', strptime(trim(RecordedDate), '%Y-%m-%d %H:%M:%S'))) AS at_us,
       CASE trim(Q1) WHEN 'Extremely dissatisfied' THEN 1 WHEN 'Somewhat dissatisfied' THEN 2
                     WHEN 'Neither satisfied nor dissatisfied' THEN 3 WHEN 'Somewhat satisfied' THEN 4
                     WHEN 'Extremely satisfied' THEN 5 END AS csat
FROM read_csv('{survey}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
WHERE ResponseId <> 'Response ID' AND ResponseId NOT LIKE '{%'          -- header rows 2 and 3
  AND NOT regexp_matches(lower(coalesce(Status, '')), 'preview|test|vorschau|testlauf|spam')
  AND lower(trim(coalesce(DistributionChannel, ''))) NOT IN ('preview', 'test')
  AND lower(trim(coalesce(Finished, ''))) NOT IN ('false', '0');

CREATE OR REPLACE TEMP TABLE index_dates AS
WITH first_response AS (           -- the first response about each known ticket
    SELECT r.ticket_id, arg_min_null(r.csat, r.at_us) AS csat, arg_min_null(r.customer, r.at_us) AS customer,
           min(r.at_us) AS responded_us
    FROM responses r SEMI JOIN tickets t ON r.ticket_id = t.ticket_id
    GROUP BY r.ticket_id
), experiences AS (
    SELECT coalesce(t.customer, f.customer) AS customer,
           greatest(t.at_us, least(             -- the first bad criterion's time, never before creation
               CASE WHEN t.rated_bad THEN coalesce(t.solved_us, t.at_us) END,
               CASE WHEN coalesce(f.csat <= 2, false) THEN coalesce(f.responded_us, t.solved_us, t.at_us) END))
               AS known_us,
           t.rated_bad OR coalesce(f.csat <= 2, false) AS bad
    FROM tickets t LEFT JOIN first_response f ON t.ticket_id = f.ticket_id
    WHERE t.customer_initiated
    UNION ALL
    SELECT r.customer, r.at_us AS known_us, coalesce(r.csat <= 2, false) AS bad
    FROM responses r ANTI JOIN tickets t ON r.ticket_id = t.ticket_id
)
SELECT customer, min(known_us) AS t
FROM experiences
WHERE bad AND customer IS NOT NULL AND known_us IS NOT NULL
GROUP BY customer
HAVING min(known_us) <= (SELECT max(at_us) FROM purchases);

-- orders placed while one of the customer's tickets was open are replacement orders, not returns
CREATE OR REPLACE TEMP TABLE returns AS
SELECT p.* FROM purchases p
ANTI JOIN (SELECT customer, at_us, solved_us FROM tickets
           WHERE customer_initiated AND customer IS NOT NULL AND solved_us > at_us) t
    ON p.customer = t.customer AND p.at_us > t.at_us AND p.at_us <= t.solved_us;

WITH as_of AS (SELECT max(at_us) AS as_of FROM purchases),
followed AS (
    SELECT i.customer, i.t, p.at_us AS next_at
    FROM index_dates i ASOF LEFT JOIN returns p ON i.customer = p.customer AND p.at_us > i.t
), durations AS (
    SELECT (coalesce(next_at, as_of) - t) / 86400e6 AS days, next_at IS NOT NULL AS event
    FROM followed, as_of
), steps AS (
    SELECT days, count(*) FILTER (WHERE event) AS d, count(*) AS m FROM durations GROUP BY days
), risk AS (
    SELECT days, d, sum(m) OVER (ORDER BY days DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_risk
    FROM steps
)
SELECT CASE WHEN (SELECT max(days) FROM durations) >= {window}
            THEN coalesce(product(1 - d / at_risk) FILTER (WHERE days <= {window} AND d > 0), 1.0) END
           AS avoid_2y_after_bad,
       (SELECT count(*) FROM durations) AS n,
       (SELECT count(*) FILTER (WHERE event) FROM durations) AS n_events,
       (SELECT count(*) FROM purchases) AS n_purchases,
       (SELECT as_of FROM as_of) AS as_of_us
FROM risk;
