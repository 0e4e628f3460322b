-- bluecross_example: a commercial plan's rules, as a model overlay.
--
-- The rules below are the kind a Blue Cross plan publishes in its
-- radiation oncology policy (see DOMAIN.md section 5). They are an example
-- to copy and adapt, not a statement of any real plan's current policy.
-- Each section is a list of rows; every row may carry id, from, to,
-- setting, reason and source. Findings these rows produce name the overlay
-- ("bluecross_example") and the row's id.
return {
  name = "bluecross_example",
  description = "Example Blue Cross commercial plan: planning windows, MLC device limits, prior authorisation",
  source = "Blue Cross radiation oncology policy (example)",

  -- Simulation, isodose planning and physics codes are part of the IMRT
  -- plan: denied within 30 days before or after 77301.
  windows = {
    { id = "imrt-planning-window", anchor = "77301",
      codes = { "77280-77295", "77306", "77307", "77321", "77331", "77370" },
      before = 30, after = 30,
      reason = "planning, dosimetry and physics services are included in the IMRT plan (77301) for 30 days either side" },
  },

  -- Multileaf collimator devices for IMRT: a rolling 60-day count across
  -- the course's claims (rc:record) and this claim.
  limits = {
    { id = "77338-per-course", code = "77338", max = 3, per = "days", days = 60,
      reason = "MLC devices for IMRT: at most 3 in a 60-day course" },
  },

  -- Proton therapy, IMRT and SBRT need prior authorisation; the claim must
  -- carry the authorisation number (claim.authorization).
  prior_auth = {
    { id = "pa-proton", codes = { "77520", "77522", "77523", "77525" },
      reason = "proton therapy requires prior authorisation" },
    { id = "pa-imrt", codes = { "77301", "77385", "77386" },
      reason = "IMRT planning and delivery require prior authorisation" },
    { id = "pa-sbrt", codes = { "77373", "77435" },
      reason = "stereotactic body radiation therapy requires prior authorisation" },
  },

  -- The plan's local coverage list for the prostate spacer.
  coverage = {
    { id = "spacer-prostate", code = "55874", diagnoses = { "C61" },
      reason = "the rectal spacer is covered for prostate cancer (C61) only" },
  },

  rules = {
    -- Authorisation numbers of this plan look like BC followed by digits.
    { id = "authorization-format",
      check = function(claim, findings, out)
        local auth = claim.authorization
        if auth and not tostring(auth):match("^BC%d+$") then
          out.add { severity = "warn",
            message = ("authorisation number %s is not in the plan's format (BC and digits)"):format(auth),
            fix = "check the authorisation number on the plan's approval letter" }
        end
      end },
    -- An authorised service has had its medical necessity reviewed by the
    -- plan: the national necessity review becomes a warning.
    { id = "authorised-necessity",
      check = function(claim, findings, out)
        if not claim.authorization then return end
        for _, f in ipairs(findings) do
          if f.edit == "necessity" and f.severity == "review" and not f.overlay then
            out.downgrade(f, "warn", "the plan reviewed medical necessity when it authorised the service")
          end
        end
      end },
  },
}
