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
--   strata      (issue 10: censoring depends on how often customers buy) the
--               Kaplan-Meier curve within bands of the purchase rate before the
--               index, averaged with the bands' shares of the index customers.
--               Rate: purchases up to the index / (days since the customer's
--               first purchase + 30) x 365.25; band 0 with fewer than two
--               purchases, else 1 + the number of cut points {rate_bands} at or
--               below the rate; bands pooled in order until each pool holds
--               {min_stratum} customers, a smaller remainder joining the last
--               pool (one pool: the plain Kaplan-Meier curve)
--
-- Placeholders: {tickets}, {survey}, {orders} (paths), {zone}, {window}, and the strata's
-- {rate_bands} and {min_stratum} (csanalysis.estimators.avoidance.RATE_BANDS, MIN_STRATUM).

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

WITH RECURSIVE as_of AS (SELECT max(at_us) AS as_of FROM purchases),
followed AS (
    SELECT i.customer, i.t, p.at_us AS next_at
    FROM index_dates i ASOF LEFT JOIN returns p ON i.customer = p.customer AND p.at_us > i.t
), history AS (                    -- purchases up to the index: how many, and the customer's first
    SELECT i.customer, count(p.at_us) AS n_prior, min(p.at_us) AS first_us
    FROM index_dates i LEFT JOIN returns p ON i.customer = p.customer AND p.at_us <= i.t
    GROUP BY i.customer
), durations AS (
    SELECT (coalesce(f.next_at, as_of) - f.t) / 86400e6 AS days, f.next_at IS NOT NULL AS event,
           CASE WHEN h.n_prior >= 2
                THEN 1 + len(list_filter({rate_bands},
                                         lambda c: c <= h.n_prior / (greatest((f.t - h.first_us) / 86400e6, 0) + 30)
                                                   * 365.25))
                ELSE 0 END AS band
    FROM followed f JOIN history h USING (customer), as_of
), bands AS (
    SELECT band, count(*) AS n, row_number() OVER (ORDER BY band) AS k FROM durations GROUP BY band
), pooling(k, band, grp, acc) AS (   -- bands pooled in order until a pool holds {min_stratum}
    SELECT k, band, 0, n FROM bands WHERE k = 1
    UNION ALL
    SELECT b.k, b.band, CASE WHEN m.acc >= {min_stratum} THEN m.grp + 1 ELSE m.grp END,
           CASE WHEN m.acc >= {min_stratum} THEN b.n ELSE m.acc + b.n END
    FROM pooling m JOIN bands b ON b.k = m.k + 1
), last_pool AS (
    SELECT grp, acc FROM pooling ORDER BY k DESC LIMIT 1
), strata AS (                     -- a last pool short of {min_stratum} joins the one before it
    SELECT m.band, CASE WHEN l.acc < {min_stratum} AND m.grp = l.grp AND l.grp > 0 THEN m.grp - 1
                        ELSE m.grp END AS grp
    FROM pooling m, last_pool l
), steps AS (
    SELECT s.grp, d.days, count(*) FILTER (WHERE d.event) AS d, count(*) AS m
    FROM durations d JOIN strata s USING (band)
    GROUP BY s.grp, d.days
), risk AS (
    SELECT grp, days, d,
           sum(m) OVER (PARTITION BY grp ORDER BY days DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS at_risk
    FROM steps
), per_stratum AS (                -- Kaplan-Meier S({window}) within each stratum
    SELECT grp, max(at_risk) AS n, max(days) AS longest,
           coalesce(product(1 - d / at_risk) FILTER (WHERE days <= {window} AND d > 0), 1.0) AS s
    FROM risk
    GROUP BY grp
)
SELECT CASE WHEN bool_and(longest >= {window} OR s = 0) THEN sum(n * s) / sum(n) END AS avoid_2y_after_bad,
       (SELECT count(*) FROM durations) AS n,
       (SELECT count(*) FILTER (WHERE event) FROM durations) AS n_events,
       (SELECT count(*) FROM purchases) AS n_purchases,
       (SELECT as_of FROM as_of) AS as_of_us
FROM per_stratum;
