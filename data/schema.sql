-- radcode database schema.
-- One schema serves the embedded default dataset (built from data/*.tsv by
-- tools/mkdb) and users' own databases (radcode.open{db = path}).
-- Conventions:
--   * dates are ISO text 'YYYY-MM-DD'; valid_from/valid_to are inclusive and a
--     NULL valid_to means "still in force";
--   * setting is the claim type: 'practitioner' (a professional claim, CMS-1500 /
--     837P, physician fee schedule at every place of service) or 'hospital' (an
--     institutional claim, UB-04 / 837I, OPPS); '*' where a row holds for both;
--   * every rule row names its source, so a user can see why radcode believes it.
-- Bump meta.schema_version (and RC_SCHEMA_VERSION in csrc/db.h) on any change.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per CPT / HCPCS code.
CREATE TABLE codes (
  code       TEXT PRIMARY KEY,
  system     TEXT NOT NULL CHECK (system IN ('CPT', 'HCPCS')),
  family     TEXT NOT NULL,          -- delivery, imrt, guidance, proton, ...
  summary    TEXT NOT NULL,          -- radcode's own plain-language words
  descriptor TEXT,                   -- official text: HCPCS Level II (public
                                     -- domain) or an imported licensed CPT file
  keywords   TEXT,                   -- extra search words (IMRT, SBRT, ...)
  effective  TEXT NOT NULL,          -- first valid date of service
  terminated TEXT,                   -- last valid date of service, NULL if active
  addon      INTEGER NOT NULL DEFAULT 0 CHECK (addon IN (0, 1)),
  source     TEXT NOT NULL
);

-- Fee-schedule indicators of a code over time (PFS RVU file).
CREATE TABLE indicators (
  code       TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  pctc       TEXT NOT NULL,          -- PC/TC indicator 0-9, see pctc_meanings
  global     TEXT,                   -- 000 010 090 MMM XXX YYY ZZZ
  mult_proc  TEXT,                   -- multiple-procedure indicator (0-9), NULL: not given
  bilateral  TEXT,                   -- bilateral-surgery indicator (0-3, 9), NULL: not given
  source     TEXT NOT NULL,
  PRIMARY KEY (code, valid_from)
);

-- What each PC/TC indicator means for the component a code stands for.
CREATE TABLE pctc_meanings (
  pctc      TEXT PRIMARY KEY,
  component TEXT NOT NULL CHECK (component IN ('professional', 'technical', 'split', 'none')),
  meaning   TEXT NOT NULL,
  source    TEXT NOT NULL
);

-- Payment status of a code in a setting over time: PFS status for the
-- practitioner setting (A, B, C, I, X, ...), OPPS status indicator for the
-- hospital setting (S, N, B, ...).
CREATE TABLE payment_status (
  code       TEXT NOT NULL,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  status     TEXT NOT NULL,
  payment_rate REAL,                 -- OPPS national payment rate (hospital), NULL: none given
  apc        TEXT,                   -- OPPS APC (hospital, from Addendum B's APC column), NULL: none given
  source     TEXT NOT NULL,
  PRIMARY KEY (code, setting, valid_from)
);

-- Whether a status letter means the setting recognises (pays for) the code.
CREATE TABLE status_meanings (
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital')),
  status     TEXT NOT NULL,
  recognized INTEGER NOT NULL CHECK (recognized IN (0, 1)),
  meaning    TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (setting, status)
);

-- Medically unlikely edits: most units of a code per line (mai 1) or per
-- date of service (mai 2 policy, mai 3 clinical).
CREATE TABLE mue (
  code       TEXT NOT NULL,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', 'dme')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  value      INTEGER NOT NULL CHECK (value >= 0),
  mai        INTEGER NOT NULL CHECK (mai IN (1, 2, 3)),
  rationale  TEXT,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, setting, valid_from, source)   -- quarterly versions side by side
);

-- NCCI procedure-to-procedure edits: col2 is denied beside col1 on one DOS
-- unless modifier = 1 and a bypass modifier is present; 9 = not applicable.
-- A full CMS file is 2.5 million rows, so they are stored compactly in
-- ptp_edit (setting as a number, dates as day numbers, rationale and source
-- as ids into ptp_text) and read and written through the view ptp, which
-- has the plain columns: SELECT from it, INSERT into it, DELETE from it.
CREATE TABLE ptp_text (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);

CREATE TABLE ptp_edit (
  col1       TEXT NOT NULL,
  col2       TEXT NOT NULL,
  setting    INTEGER NOT NULL CHECK (setting IN (1, 2)),   -- 1 practitioner, 2 hospital
  valid_from INTEGER NOT NULL,                               -- days since 1970-01-01
  source     INTEGER NOT NULL REFERENCES ptp_text (id),      -- the dataset
  valid_to   INTEGER,                                        -- days since 1970-01-01
  modifier   INTEGER NOT NULL CHECK (modifier IN (0, 1, 9)),
  rationale  INTEGER REFERENCES ptp_text (id),               -- NULL: none given
  PRIMARY KEY (col1, col2, setting, valid_from, source)   -- quarterly versions side by side
) WITHOUT ROWID;   -- one b-tree (key columns first, in key order)

-- Every ptp_edit row of a column-1 code in one blob (csrc/ptp_pack.h has
-- the format), so a check loads a code's edits with one read. A cache: a
-- change to a code's rows drops its pack (the triggers below), a code
-- without a pack is read from ptp_edit, and an NCCI import or an upgrade
-- packs the codes that have none. csrc/import_ncci.c knows the three
-- triggers by their exact text (it does their work itself while it loads
-- with triggers off): change them there too. A rowid table (its key in
-- the automatic index), not WITHOUT ROWID: there, a blob larger than a
-- page sits in the b-tree's interior pages too, and every step of a
-- lookup read its overflow pages again (schema 8 read 6,815 overflow
-- pages 55,000 times to load the national packs once).
CREATE TABLE ptp_pack (
  col1 TEXT PRIMARY KEY,
  rows BLOB NOT NULL
);

CREATE TRIGGER ptp_edit_insert_unpacks AFTER INSERT ON ptp_edit
BEGIN
  DELETE FROM ptp_pack WHERE col1 = NEW.col1;
END;

CREATE TRIGGER ptp_edit_delete_unpacks AFTER DELETE ON ptp_edit
BEGIN
  DELETE FROM ptp_pack WHERE col1 = OLD.col1;
END;

CREATE TRIGGER ptp_edit_update_unpacks AFTER UPDATE ON ptp_edit
BEGIN
  DELETE FROM ptp_pack WHERE col1 = OLD.col1 OR col1 = NEW.col1;
END;

CREATE VIEW ptp (col1, col2, setting, valid_from, valid_to, modifier, rationale, source) AS
  SELECT e.col1, e.col2, CASE e.setting WHEN 1 THEN 'practitioner' WHEN 2 THEN 'hospital' END,
         date(e.valid_from * 86400, 'unixepoch'), date(e.valid_to * 86400, 'unixepoch'),
         e.modifier, r.text, s.text
  FROM ptp_edit e LEFT JOIN ptp_text r ON r.id = e.rationale JOIN ptp_text s ON s.id = e.source;

CREATE TRIGGER ptp_insert INSTEAD OF INSERT ON ptp
BEGIN
  SELECT RAISE(ABORT, 'ptp.setting must be practitioner or hospital')
    WHERE NEW.setting IS NOT 'practitioner' AND NEW.setting IS NOT 'hospital';
  SELECT RAISE(ABORT, 'ptp.valid_from and valid_to must be dates YYYY-MM-DD')
    WHERE julianday(NEW.valid_from) IS NULL OR (NEW.valid_to IS NOT NULL AND julianday(NEW.valid_to) IS NULL);
  INSERT OR IGNORE INTO ptp_text (text) SELECT NEW.rationale WHERE NEW.rationale IS NOT NULL;
  INSERT OR IGNORE INTO ptp_text (text) VALUES (NEW.source);
  INSERT INTO ptp_edit (col1, col2, setting, valid_from, valid_to, modifier, rationale, source)
  VALUES (NEW.col1, NEW.col2, CASE NEW.setting WHEN 'practitioner' THEN 1 ELSE 2 END,
          CAST(julianday(NEW.valid_from) - 2440587.5 AS INTEGER),
          CAST(julianday(NEW.valid_to) - 2440587.5 AS INTEGER), NEW.modifier,
          (SELECT id FROM ptp_text WHERE text = NEW.rationale),
          (SELECT id FROM ptp_text WHERE text = NEW.source));
END;

-- a row of the view is one row of ptp_edit: its key includes the dataset,
-- so deleting one dataset's row leaves another's of the same pair and start
CREATE TRIGGER ptp_delete INSTEAD OF DELETE ON ptp
BEGIN
  DELETE FROM ptp_edit WHERE col1 = OLD.col1 AND col2 = OLD.col2
    AND setting = CASE OLD.setting WHEN 'practitioner' THEN 1 ELSE 2 END
    AND valid_from = CAST(julianday(OLD.valid_from) - 2440587.5 AS INTEGER)
    AND source = (SELECT id FROM ptp_text WHERE text = OLD.source);
END;

-- NCCI add-on code edits. type 1: needs one of the listed primaries; type 2:
-- no list, the contractor decides (primary_code NULL); type 3: some listed,
-- the contractor may accept others.
CREATE TABLE aoc (
  addon        TEXT NOT NULL,
  primary_code TEXT,
  type         INTEGER NOT NULL CHECK (type IN (1, 2, 3)),
  valid_from   TEXT NOT NULL,
  valid_to     TEXT,
  source       TEXT NOT NULL
);
CREATE INDEX aoc_by_addon ON aoc (addon);

-- Modifiers a code must carry (kind 'required', e.g. 77387-26 on 2026
-- professional claims) or must not carry (kind 'not_allowed', e.g. 77387-26
-- on 2026 hospital claims) on some dates and settings.
CREATE TABLE required_modifiers (
  code       TEXT NOT NULL,
  modifier   TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'required' CHECK (kind IN ('required', 'not_allowed')),
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, modifier, kind, setting, valid_from)
);

-- What to bill instead of a code on dates, in a setting, for a payer: the
-- successors of a deleted code, or the codes a setting recognises in place
-- of one it does not (payer '*' = any payer).
CREATE TABLE replacements (
  code        TEXT NOT NULL,
  replacement TEXT NOT NULL,
  setting     TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  payer       TEXT NOT NULL,
  valid_from  TEXT NOT NULL,
  valid_to    TEXT,
  reason      TEXT NOT NULL,
  source      TEXT NOT NULL,
  PRIMARY KEY (code, replacement, setting, payer, valid_from)
);

-- Codes that belong together (same ladder, add-on primaries, Medicare
-- equivalents, professional counterparts, ...).
CREATE TABLE related (
  code       TEXT NOT NULL,
  related    TEXT NOT NULL,
  relation   TEXT NOT NULL,
  valid_from TEXT NOT NULL,           -- first date of service both codes hold the relation
  valid_to   TEXT,                    -- last (NULL: in force)
  note       TEXT,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, related, relation, valid_from)
);

-- Why a code has no row in a table a code normally needs (data/ANNUAL_UPDATE.md;
-- spec/data_spec.lua's year-change checks accept a code with a row here):
-- pctc (indicators), mue, payment_status, fraction_codes, ptp (code '*': a
-- pair with a code outside codes.tsv has no hospital row).
CREATE TABLE gaps (
  code    TEXT NOT NULL,              -- a code of codes.tsv, or '*' (see ptp)
  fact    TEXT NOT NULL CHECK (fact IN ('pctc', 'mue', 'payment_status', 'fraction_codes', 'ptp')),
  setting TEXT NOT NULL CHECK (setting IN ('*', 'practitioner', 'hospital')),
  reason  TEXT NOT NULL,
  source  TEXT NOT NULL,
  PRIMARY KEY (code, fact, setting)
);

-- Search synonyms: a query word (lower case) also matches its expansion.
CREATE TABLE synonyms (
  term      TEXT PRIMARY KEY,
  expansion TEXT NOT NULL,
  source    TEXT NOT NULL
);

-- Known CMS editions and the dates of service each covers (data/editions.tsv):
-- the builder describes the curated rows' datasets from it, the importers take
-- a file's coverage from it (else from the edition's own form, see import.c).
CREATE TABLE editions (
  name       TEXT PRIMARY KEY,     -- as rows cite it: 'CMS NCCI PTP practitioner v30.1'
  kind       TEXT NOT NULL CHECK (kind IN ('ncci-ptp', 'mue', 'aoc', 'hcpcs', 'rvu', 'opps')),
  setting    TEXT CHECK (setting IN ('practitioner', 'hospital', 'dme')),
  version    TEXT NOT NULL,        -- 'v30.1', '2024Q2', '2024A', '2019'
  valid_from TEXT NOT NULL,        -- first date of service the edition covers
  valid_to   TEXT NOT NULL,        -- last one
  source     TEXT NOT NULL
);

-- What has been loaded into this database, one row per file (imports) or per
-- edition the curated rows cite (the builder). name is what the rows carry as
-- their source; valid_from..valid_to the dates of service the data covers
-- (NULL when unknown); setting the claim type of an NCCI/MUE file.
CREATE TABLE datasets (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  source        TEXT NOT NULL,
  edition       TEXT,                -- the dataset's name (older radcode: also name)
  name          TEXT,
  version       TEXT,
  setting       TEXT,
  valid_from    TEXT,
  valid_to      TEXT,
  rows_read     INTEGER NOT NULL,
  rows_kept     INTEGER NOT NULL,
  rows_rejected INTEGER NOT NULL,
  loaded_at     TEXT NOT NULL,
  seconds       REAL NOT NULL
);

-- Full-text index over codes, rebuilt after every load (see csrc/db.c).
CREATE VIRTUAL TABLE code_search USING fts5 (
  code, summary, descriptor, keywords,
  tokenize = 'unicode61'
);

-- Claim edits ---------------------------------------------------------------
-- Tables read by rc:check beyond the code facts above (see data/README.md).

-- Modifiers radcode knows. bypass = 1: an NCCI-associated modifier that lets
-- a PTP edit with indicator 1 pass. applies_to: the codes the modifier is
-- for, '*' any, a code group of code_groups ('em'), or 'non-' and a group
-- ('non-em'); on another code it bypasses nothing and is a review finding.
-- terminated: the last valid date of service (NULL: in force).
CREATE TABLE modifiers (
  modifier   TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,   -- component, ncci, anatomic, global, repeat, liability, other
  bypass     INTEGER NOT NULL DEFAULT 0 CHECK (bypass IN (0, 1)),
  applies_to TEXT NOT NULL DEFAULT '*',
  terminated TEXT,
  meaning    TEXT NOT NULL,
  source     TEXT NOT NULL
);

-- Named groups of codes as ranges (code_from..code_to, same length, compared
-- as text), dated: 'em' = evaluation and management codes. label: the
-- group's name in messages (the same on every row of a group).
CREATE TABLE code_groups (
  grp        TEXT NOT NULL,
  label      TEXT NOT NULL,
  code_from  TEXT NOT NULL,
  code_to    TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  source     TEXT NOT NULL,
  PRIMARY KEY (grp, code_from, valid_from)
);

-- The CMS place-of-service code set (claim.pos, a professional-claim field).
-- facility 1: a professional claim there is paid at the fee schedule's
-- facility rate and carries only the professional part of the work (the
-- facility bills the technical part on its institutional claim). A POS not
-- listed (or outside its dates) is a review finding.
CREATE TABLE places (
  pos        TEXT PRIMARY KEY CHECK (length(pos) = 2),
  name       TEXT NOT NULL,
  facility   INTEGER NOT NULL CHECK (facility IN (0, 1)),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  source     TEXT NOT NULL
);

-- The UB-04 revenue codes an institutional line of a code family belongs
-- under (radiation therapy: 033x). On a hospital claim, a line of a listed
-- family whose revenue code does not start with revenue_prefix is a review
-- finding. label: the revenue group in messages.
CREATE TABLE revenue_codes (
  family         TEXT NOT NULL,
  revenue_prefix TEXT NOT NULL CHECK (length(revenue_prefix) BETWEEN 1 AND 4),
  label          TEXT NOT NULL,
  valid_from     TEXT NOT NULL,
  valid_to       TEXT,
  source         TEXT NOT NULL,
  PRIMARY KEY (family, valid_from)
);

-- Modifiers a claim type does not carry on any line (institutional claims
-- carry no 26 or TC: the hospital bills the technical work).
CREATE TABLE setting_modifiers (
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital')),
  modifier   TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (setting, modifier, valid_from)
);

-- Codes of one payer's own (Medicare's G-codes): on a claim whose payer is
-- another (and whose overlay does not inherit this payer) they are a review,
-- naming the code(s) other payers expect (instead: 'a, b or c').
CREATE TABLE payer_codes (
  code       TEXT NOT NULL,
  payer      TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  instead    TEXT NOT NULL,
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, payer, valid_from)
);

-- Codes that cannot stand alone: each row names a partner that satisfies the
-- code on the same date of service (a code, or 'family:<family>' for any code
-- of that family); any one of a code's partners will do. modifier: the rule
-- holds only when the line carries it (NULL: always).
CREATE TABLE companions (
  code       TEXT NOT NULL,
  partner    TEXT NOT NULL,
  modifier   TEXT,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, partner, setting, valid_from)
);

-- Limits that cross claims of a course: at most max_units of the code per
-- course, per calendar week (Monday to Sunday), or per `fractions` delivered
-- fractions (with `leftover` or more fractions left at the end earning one
-- more unit: the 77427 rule; `minimum` units allowed however few fractions,
-- at least one, were delivered: 77336 once in a course of fewer than five;
-- `instead`: the code a course too short to earn a unit bills, 77431 for
-- 77427). Units count in date order. payer '*' = any payer.
CREATE TABLE frequency_limits (
  code       TEXT NOT NULL,
  period     TEXT NOT NULL CHECK (period IN ('course', 'week', 'fractions')),
  max_units  INTEGER NOT NULL CHECK (max_units >= 0),
  fractions  INTEGER CHECK (fractions IS NULL OR fractions > 0),
  leftover   INTEGER CHECK (leftover IS NULL OR leftover > 0),
  minimum    INTEGER CHECK (minimum IS NULL OR minimum > 0),
  instead    TEXT,      -- the code a course too short to earn a unit bills instead
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  payer      TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  severity   TEXT NOT NULL CHECK (severity IN ('deny', 'review', 'warn', 'info')),
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, period, setting, payer, valid_from)
);

-- Codes whose units count as delivered fractions (for 'fractions' limits).
CREATE TABLE fraction_codes (
  code   TEXT PRIMARY KEY,
  source TEXT NOT NULL
);

-- Families whose lines need a diagnosis that supports radiation therapy.
CREATE TABLE dx_required (
  family TEXT PRIMARY KEY,
  source TEXT NOT NULL
);

-- ICD-10-CM diagnoses that support radiation therapy. A diagnosis (upper
-- case, without its dot) is in a range when its first len(dx_from)
-- characters are >= dx_from and its first len(dx_to) characters are <= dx_to
-- (C00..D49 covers every neoplasm). family: the service family supported
-- ('*' = every family of dx_required). payer '*' = any payer.
CREATE TABLE dx_support (
  dx_from    TEXT NOT NULL,
  dx_to      TEXT NOT NULL,
  family     TEXT NOT NULL,
  payer      TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  note       TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (dx_from, dx_to, family, payer, valid_from)
);

-- Classification ----------------------------------------------------------
-- rc:classify(facts) reads these two tables; data/README.md documents
-- them and the expression language of condition and units.

-- The facts a classification may be given (besides service, date, setting
-- and payer): an unknown name is refused, and each value is checked here.
CREATE TABLE classify_facts (
  name          TEXT PRIMARY KEY,
  type          TEXT NOT NULL CHECK (type IN ('integer', 'boolean', 'choice', 'dates')),
  min_value     INTEGER,             -- integer: least value; dates: fewest dates
  max_value     INTEGER,             -- integer: greatest value; dates: most dates
  choices       TEXT,                -- choice: the values, 'a|b|c'
  default_value TEXT,                -- value when absent (NULL: none, required
                                     -- by any rule that reads it)
  count_of      TEXT,                -- integer: the dates fact it counts
  meaning       TEXT NOT NULL,
  source        TEXT NOT NULL
);

-- The ladders: for a service, the rows in force on the date of service, for
-- the setting (or '*') and the payer (or '*'), read in priority order; the
-- first row of each slot whose condition holds decides that slot.
CREATE TABLE classify_rules (
  service    TEXT NOT NULL,          -- delivery, imrt, guidance, proton, ...
  slot       TEXT NOT NULL,          -- one decision: level, code, addon, ...
  priority   INTEGER NOT NULL,       -- evaluation order (lowest first)
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  payer      TEXT NOT NULL,          -- 'medicare', ... or '*' for any payer
  condition  TEXT,                   -- expression over the facts; NULL = true
  refuse     INTEGER CHECK (refuse IS NULL OR refuse IN (0, 1)),
                                     -- 1: the facts are refused with reason
  code       TEXT,                   -- the line's code; NULL: no line
  level      TEXT,                   -- the level this row decides, if any
  units      TEXT,                   -- expression; NULL = 1
  modifiers  TEXT,                   -- '26' or '26,59'
  dated_by   TEXT,                   -- a dates fact: one line per unit, dated
  date_step  INTEGER,                -- line i on entry min(i * date_step, n)
  reason     TEXT,                   -- plain words; {fact} shows its value
  source     TEXT NOT NULL
);
CREATE INDEX classify_rules_by_service ON classify_rules (service, priority);
-- The code page (rc:explain) ------------------------------------------------
-- radcode's summary of a code for an era, where its meaning changed (77412 is
-- "complex" before 2026 and "level 3" from 2026); codes.summary otherwise.
CREATE TABLE summaries (
  code       TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  summary    TEXT NOT NULL,          -- radcode's own plain words
  source     TEXT NOT NULL,
  PRIMARY KEY (code, valid_from)
);
-- What a chart must document to support a code: items per code family
-- (code '*') or per code, over dates.
CREATE TABLE documentation (
  family     TEXT NOT NULL,
  code       TEXT NOT NULL,          -- '*': every code of the family
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  item       TEXT NOT NULL,          -- radcode's own plain words
  source     TEXT NOT NULL,
  PRIMARY KEY (family, code, valid_from, item)
);
-- Where and how a code is billed: facts per code family ('*' every family)
-- and claim type. fact: claim_form, revenue_code, betos, specialty, pos (a
-- place of service the practice bills from), mai (an MUE adjudication
-- indicator's meaning, value = the indicator), coverage (national or local
-- Medicare coverage).
CREATE TABLE billing (
  family     TEXT NOT NULL,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  fact       TEXT NOT NULL CHECK (fact IN ('claim_form', 'revenue_code', 'betos', 'specialty', 'pos', 'mai', 'coverage')),
  value      TEXT NOT NULL,
  meaning    TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  source     TEXT NOT NULL,
  PRIMARY KEY (family, setting, fact, value, valid_from)
);
-- Coverage articles of the CMS Medicare Coverage Database, loaded by
-- rc:import("lcd-articles", folder) from the "current article" CSV export
-- (csrc/import_lcd.c); empty in the embedded default data. source names the
-- dataset (e.g. "CMS MCD articles 2026-01-15").
CREATE TABLE lcd_article (
  article_id TEXT PRIMARY KEY,       -- the MCD's number, e.g. 56781 (shown A56781)
  version    TEXT,
  title      TEXT NOT NULL,
  effective  TEXT,                   -- ISO date, when the export gives one
  ended      TEXT,
  source     TEXT NOT NULL
);
-- The HCPCS/CPT codes an article lists (grp: the article's code group).
CREATE TABLE lcd_article_code (
  article_id TEXT NOT NULL,
  code       TEXT NOT NULL,
  grp        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (code, article_id, grp)
) WITHOUT ROWID;
-- ICD-10-CM codes (upper case, no dot) an article lists as covered (1) or
-- not covered (0), by group.
CREATE TABLE lcd_article_dx (
  article_id  TEXT NOT NULL,
  dx          TEXT NOT NULL,
  covered     INTEGER NOT NULL CHECK (covered IN (0, 1)),
  grp         INTEGER NOT NULL DEFAULT 0,
  description TEXT,
  PRIMARY KEY (article_id, dx, covered, grp)
) WITHOUT ROWID;
-- The Medicare administrative contractors an article applies to; number is
-- the contractor number claims name (e.g. 01112), state the two-letter
-- states of its jurisdiction ('' when the export gives none).
CREATE TABLE lcd_article_contractor (
  article_id    TEXT NOT NULL,
  contractor_id TEXT NOT NULL,
  number        TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL DEFAULT '',
  state         TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (article_id, contractor_id, state)
) WITHOUT ROWID;
