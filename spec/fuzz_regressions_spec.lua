-- spec/fuzz_regressions_spec.lua: inputs the libFuzzer targets (fuzz/)
-- once failed on, kept as plain specs so `make test` and `make sanitize`
-- (ASan+UBSan) replay them. Each names the target that found it.
local radcode = require "radcode"

describe("fuzz regressions", function()
  local rc

  setup(function()
    rc = assert(radcode.open())
  end)

  teardown(function()
    rc:close()
  end)

  -- fuzz_check: rc_rules_of (rules.c) did pointer arithmetic on the NULL
  -- row array of a well-formed code radcode holds no rules for, when the
  -- claim names a patient and course (the course-limit scan); UBSan:
  -- "applying zero offset to null pointer".
  it("checks a claim with a course and a code radcode holds no rules for", function()
    local claim = {
      id = "C-2026-0801", patient = "P-8008", course = "P-8008/prostate-1",
      payer = "medicare", setting = "practitioner", pos = "11", diagnoses = { "C61" },
      lines = {
        { code = "77407", dHate = "2026-03-06", units = 1, dx = { 1 } },
        { code = "54774", date = "2026-03-06", units = 1, dx = { 1 } },
        { code = "77427", date = "2026-03-06", units = 1, dx = { 1 } },
      },
    }
    local report = assert(rc:check(claim))
    assert.is_false(report.ok)
    local unknown
    for _, f in ipairs(report.findings) do
      if f.code == "54774" and f.edit == "validity" then unknown = f end
    end
    assert.is_table(unknown, "no validity finding for the unknown code")
    assert.matches("no record of 54774", unknown.message)
  end)

  it("records and re-checks that claim against its course history", function()
    local h <close> = assert(radcode.open())
    local claim = {
      id = "C-1", patient = "P-1", course = "P-1/1", setting = "practitioner",
      lines = { { code = "54774", date = "2026-03-06", units = 1 } },
    }
    assert.is_true(h:record(claim))
    claim.id = "C-2"
    assert.is_table(h:check(claim))
  end)
end)
