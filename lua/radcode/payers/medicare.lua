-- medicare: Original Medicare (the physician fee schedule and OPPS).
--
-- Most of what Medicare pays for is already in radcode's national data
-- (NCCI edits, MUEs, fee-schedule statuses). What this overlay adds is the
-- code mapping Medicare used on practitioner claims from 2015 to 2025: the
-- G-codes G6003-G6016 in place of the CPT delivery codes 77402, 77407,
-- 77412 and the IMRT codes 77385 and 77386. For a claim whose payer is
-- "medicare" the national setting edit already says this, so the overlay
-- adds no second finding; its value is for plans that inherit it (a
-- Medicare Advantage plan: `inherits = "medicare"`), which the national
-- Medicare statuses do not reach.
return {
  name = "medicare",
  description = "Original Medicare: G-codes for practitioner delivery and IMRT, 2015-2025",
  source = "CMS PFS RVU 2024A (status I); DOMAIN.md section 2",

  mappings = {
    { id = "g-codes-simple", code = "77402", use = { "G6003", "G6004", "G6005", "G6006" },
      setting = "practitioner", from = "2015-01-01", to = "2025-12-31",
      reason = "Medicare practitioner claims 2015-2025 bill simple delivery as G6003-G6006 by energy" },
    { id = "g-codes-intermediate", code = "77407", use = { "G6007", "G6008", "G6009", "G6010" },
      setting = "practitioner", from = "2015-01-01", to = "2025-12-31",
      reason = "Medicare practitioner claims 2015-2025 bill intermediate delivery as G6007-G6010 by energy" },
    { id = "g-codes-complex", code = "77412", use = { "G6011", "G6012", "G6013", "G6014" },
      setting = "practitioner", from = "2015-01-01", to = "2025-12-31",
      reason = "Medicare practitioner claims 2015-2025 bill complex delivery as G6011-G6014 by energy" },
    { id = "g-codes-imrt", codes = { "77385", "77386" }, use = { "G6015", "G6016" },
      setting = "practitioner", from = "2015-01-01", to = "2025-12-31",
      reason = "Medicare practitioner claims 2015-2025 bill IMRT delivery as G6015 (MLC) or G6016 (compensator)" },
  },
}
