-- radcode database schema.
-- One schema serves the embedded default dataset (built from data/*.tsv by
-- tools/mkdb) and users' own databases (radcode.open{db = path}).
-- Conventions:
--   * dates are ISO text 'YYYY-MM-DD'; valid_from/valid_to are inclusive and a
--     NULL valid_to means "still in force";
--   * setting is 'practitioner' (physician fee schedule, POS 11) or 'hospital'
--     (hospital outpatient, OPPS, POS 22/19); '*' where a row holds for both;
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
  PRIMARY KEY (code, setting, valid_from)
);

-- NCCI procedure-to-procedure edits: col2 is denied beside col1 on one DOS
-- unless modifier = 1 and a bypass modifier is present; 9 = not applicable.
CREATE TABLE ptp (
  col1       TEXT NOT NULL,
  col2       TEXT NOT NULL,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  modifier   INTEGER NOT NULL CHECK (modifier IN (0, 1, 9)),
  rationale  TEXT,
  source     TEXT NOT NULL,
  PRIMARY KEY (col1, col2, setting, valid_from)
);

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

-- Modifiers a code must carry on some dates and settings (e.g. 77387-26 in 2026).
CREATE TABLE required_modifiers (
  code       TEXT NOT NULL,
  modifier   TEXT NOT NULL,
  setting    TEXT NOT NULL CHECK (setting IN ('practitioner', 'hospital', '*')),
  valid_from TEXT NOT NULL,
  valid_to   TEXT,
  reason     TEXT NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (code, modifier, setting, valid_from)
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
  code     TEXT NOT NULL,
  related  TEXT NOT NULL,
  relation TEXT NOT NULL,
  note     TEXT,
  source   TEXT NOT NULL,
  PRIMARY KEY (code, related, relation)
);

-- Search synonyms: a query word (lower case) also matches its expansion.
CREATE TABLE synonyms (
  term      TEXT PRIMARY KEY,
  expansion TEXT NOT NULL,
  source    TEXT NOT NULL
);

-- What has been loaded into this database, one row per file.
CREATE TABLE datasets (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  source        TEXT NOT NULL,
  edition       TEXT,
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
