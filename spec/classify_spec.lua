-- rc:classify and `radcode classify`: a treatment's facts to codes, units,
-- level and reasons, by date of service, setting and payer.
local radcode = require "radcode"
local H = require "helper"

local A, LAST_A, FIRST_B, B = "2025-06-02", "2025-12-31", "2026-01-01", "2026-03-02"

--- n weekday dates from Monday 2025-06-02.
local function weekdays(n)
  local dates, t = {}, os.time { year = 2025, month = 6, day = 2, hour = 12 }
  while #dates < n do
    local wday = os.date("*t", t).wday
    if wday ~= 1 and wday ~= 7 then dates[#dates + 1] = os.date("%Y-%m-%d", t) end
    t = t + 86400
  end
  return dates
end

local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

-- Contexts.
local function mp(date, t) return with({ date = date, setting = "practitioner", payer = "medicare" }, t) end
local function hosp(date, t) return with({ date = date, setting = "hospital" }, t) end
local function comm(date, t) return with({ date = date, setting = "practitioner", payer = "aetna" }, t) end
local function svc(service, ctx) ctx.service = service return ctx end

--- "CODE[-MOD]x<units>[@date]" for each line.
local function render(lines)
  local out = {}
  for i, l in ipairs(lines) do
    out[i] = l.code .. (l.modifiers and ("-" .. table.concat(l.modifiers, "-")) or "")
      .. "x" .. l.units .. (l.date and ("@" .. l.date) or "")
  end
  return table.concat(out, " ")
end

local function rep(s, n)
  local t = {}
  for i = 1, n do t[i] = s end
  return table.concat(t, " ")
end

-- { name, facts, lines = "..." [, level =] [, reason = pattern] } or
-- { name, facts, err = pattern }
local CASES = {
  -- delivery, Era A, Medicare practitioner: complexity x energy
  { "contract example: two areas at 6 MeV", svc("delivery", mp(A, { energy_mev = 6, areas = 2, ports = 3, blocks = 0 })),
    lines = "G6008x1", level = "intermediate", reason = "^two separate treatment areas$" },
  { "simple at 5 MeV", svc("delivery", mp(A, { energy_mev = 5, ports = 2 })), lines = "G6003x1", level = "simple" },
  { "simple at 6 MeV", svc("delivery", mp(A, { energy_mev = 6, ports = 2 })), lines = "G6004x1", level = "simple" },
  { "simple at 10 MeV", svc("delivery", mp(A, { energy_mev = 10 })), lines = "G6004x1" },
  { "simple at 11 MeV", svc("delivery", mp(A, { energy_mev = 11 })), lines = "G6005x1" },
  { "simple at 19 MeV", svc("delivery", mp(A, { energy_mev = 19 })), lines = "G6005x1" },
  { "simple at 20 MeV", svc("delivery", mp(A, { energy_mev = 20 })), lines = "G6006x1" },
  { "three ports, 5 MeV", svc("delivery", mp(A, { energy_mev = 5, ports = 3 })), lines = "G6007x1",
    level = "intermediate", reason = "three or more ports" },
  { "three simple blocks, 11 MeV", svc("delivery", mp(A, { energy_mev = 11, blocks = 3 })), lines = "G6009x1",
    reason = "three or more simple blocks" },
  { "two simple blocks stay simple", svc("delivery", mp(A, { energy_mev = 6, blocks = 2 })), lines = "G6004x1" },
  { "two areas, 20 MeV", svc("delivery", mp(A, { energy_mev = 20, areas = 2 })), lines = "G6010x1" },
  { "wedges, 4 MeV", svc("delivery", mp(A, { energy_mev = 4, wedges = true })), lines = "G6011x1",
    level = "complex", reason = "^wedges$" },
  { "three areas, 6 MeV", svc("delivery", mp(A, { energy_mev = 6, areas = 3 })), lines = "G6012x1",
    reason = "three or more separate treatment areas" },
  { "tangential, 18 MeV", svc("delivery", mp(A, { energy_mev = 18, tangential = true })), lines = "G6013x1" },
  { "electrons, 20 MeV", svc("delivery", mp(A, { energy_mev = 20, electrons = true })), lines = "G6014x1",
    reason = "electron beam" },
  { "last day of Era A keeps G-codes", svc("delivery", mp(LAST_A, { energy_mev = 6, areas = 2 })), lines = "G6008x1" },
  -- delivery, Era A, CPT
  { "hospital simple", svc("delivery", hosp(A, { ports = 2 })), lines = "77402x1", level = "simple" },
  { "hospital Medicare uses CPT", svc("delivery", hosp(A, { payer = "medicare", areas = 2 })), lines = "77407x1" },
  { "commercial practitioner intermediate", svc("delivery", comm(A, { ports = 4 })), lines = "77407x1" },
  { "custom blocking is complex", svc("delivery", hosp(A, { custom_blocking = true })), lines = "77412x1",
    reason = "custom blocking" },
  { "rotational beam is complex", svc("delivery", hosp(A, { rotational = true })), lines = "77412x1" },
  { "field-in-field compensation is complex", svc("delivery", comm(A, { compensation = true })), lines = "77412x1",
    reason = "field%-in%-field" },
  { "energy does not change the CPT level", svc("delivery", hosp(A, { energy_mev = 18, ports = 2 })), lines = "77402x1" },
  -- delivery, Era B
  { "first day of Era B: 3D is level 2 for Medicare too", svc("delivery", mp(FIRST_B, { energy_mev = 6, technique = "3d" })),
    lines = "77407x1", level = "level 2", reason = "3D conformal" },
  { "2D is level 1", svc("delivery", hosp(B, { technique = "2d" })), lines = "77402x1", level = "level 1" },
  { "single electron field is level 1", svc("delivery", comm(B, { technique = "electron" })), lines = "77402x1" },
  { "IMRT to one isocentre is level 2", svc("delivery", hosp(B, { technique = "imrt" })), lines = "77407x1",
    reason = "imrt" },
  { "VMAT with two isocentres is level 3", svc("delivery", hosp(B, { technique = "vmat", isocenters = 2 })),
    lines = "77412x1", level = "level 3", reason = "multiple isocentres" },
  { "breath hold is level 3", svc("delivery", mp(B, { technique = "3d", motion_management = "breath_hold" })),
    lines = "77412x1", reason = "breath_hold" },
  { "gating is level 3", svc("delivery", hosp(B, { technique = "imrt", motion_management = "gating" })), lines = "77412x1" },
  { "tracking is level 3", svc("delivery", hosp(B, { technique = "2d", motion_management = "tracking" })), lines = "77412x1" },
  { "mixed photon/electron is level 3", svc("delivery", hosp(B, { technique = "3d", mixed_modality = true })),
    lines = "77412x1", reason = "mixed photon and electron" },
  { "total skin electron is level 3", svc("delivery", hosp(B, { technique = "electron", total_skin = true })),
    lines = "77412x1", reason = "total skin" },
  { "IGRT alone never raises the level", svc("delivery", hosp(B, { technique = "3d", guidance = "cbct" })),
    lines = "77407x1", level = "level 2" },
  { "Era A wedges mean nothing in Era B", svc("delivery", hosp(B, { technique = "2d", wedges = true })), lines = "77402x1" },
  -- delivery with technique imrt or vmat, before 2026: the IMRT codes
  { "delivery IMRT prostate in the hospital is 77385", svc("delivery", hosp(A, { technique = "imrt", imrt_site = "prostate" })),
    lines = "77385x1", level = "simple", reason = "prostate" },
  { "delivery VMAT head and neck in the hospital is 77386", svc("delivery", hosp(LAST_A, { technique = "vmat", imrt_site = "other" })),
    lines = "77386x1", level = "complex" },
  { "delivery IMRT breast, commercial, is 77385", svc("delivery", comm(A, { technique = "imrt", imrt_site = "breast" })),
    lines = "77385x1" },
  { "delivery IMRT compensator in the hospital is 77385", svc("delivery", hosp(A, { technique = "imrt", imrt_method = "compensator" })),
    lines = "77385x1" },
  { "delivery IMRT, Medicare practitioner, is G6015 without energy", svc("delivery", mp(A, { technique = "imrt" })),
    lines = "G6015x1", level = "mlc" },
  { "delivery VMAT compensator, Medicare practitioner, is G6016", svc("delivery", mp(A, { technique = "vmat", imrt_method = "compensator" })),
    lines = "G6016x1" },
  { "delivery IMRT ignores the 3D ladder's areas", svc("delivery", hosp(A, { technique = "imrt", imrt_site = "prostate", areas = 3 })),
    lines = "77385x1" },
  { "delivery electron technique before 2026 is electron beam", svc("delivery", hosp(A, { technique = "electron" })),
    lines = "77412x1", reason = "electron beam" },
  -- IMRT
  { "IMRT Medicare practitioner MLC", svc("imrt", mp(A, {})), lines = "G6015x1", reason = "multileaf" },
  { "IMRT Medicare practitioner compensator", svc("imrt", mp(A, { imrt_method = "compensator" })), lines = "G6016x1" },
  { "IMRT hospital prostate is simple", svc("imrt", hosp(A, { imrt_site = "prostate" })), lines = "77385x1",
    level = "simple", reason = "prostate" },
  { "IMRT commercial breast is simple", svc("imrt", comm(A, { imrt_site = "breast" })), lines = "77385x1" },
  { "IMRT hospital head and neck is complex", svc("imrt", hosp(A, { imrt_site = "other" })), lines = "77386x1",
    level = "complex" },
  { "IMRT hospital compensator is simple", svc("imrt", hosp(A, { imrt_method = "compensator" })), lines = "77385x1" },
  -- service imrt is an alias of delivery with technique imrt: from 2026 the level ladder
  { "service imrt from 2026 is level 2", svc("imrt", hosp(FIRST_B, { imrt_site = "other" })), lines = "77407x1",
    level = "level 2" },
  { "service imrt from 2026 with gating is level 3", svc("imrt", mp(B, { motion_management = "gating" })),
    lines = "77412x1", level = "level 3" },
  { "service imrt refuses another technique", svc("imrt", hosp(A, { technique = "3d", imrt_site = "other" })),
    err = "service delivery" },
  { "IMRT site is needed outside Medicare practitioner", svc("imrt", hosp(A, {})), err = "^imrt_site is required" },
  -- image guidance
  { "CT guidance, Medicare practitioner", svc("guidance", mp(A, { guidance = "ct" })), lines = "77014x1" },
  { "cone-beam CT, Medicare practitioner, last day", svc("guidance", mp(LAST_A, { guidance = "cbct" })), lines = "77014x1" },
  { "ultrasound guidance is G6001", svc("guidance", mp(A, { guidance = "ultrasound" })), lines = "G6001x1",
    reason = "ultrasonic" },
  { "stereoscopic x-ray is G6002", svc("guidance", mp(A, { guidance = "stereoscopic" })), lines = "G6002x1" },
  { "intrafraction tracking is G6017", svc("guidance", mp(A, { guidance = "tracking" })), lines = "G6017x1" },
  { "hospital guidance is 77387", svc("guidance", hosp(A, { guidance = "kv" })), lines = "77387x1" },
  { "commercial practitioner guidance is 77387", svc("guidance", comm(A, { guidance = "ct" })), lines = "77387x1" },
  { "guidance is inside hospital IMRT", svc("guidance", hosp(A, { guidance = "cbct", with_imrt = true })), lines = "",
    level = "included", reason = "no line; the physician's professional claim reports the professional part as 77387%-26" },
  { "hospital Medicare guidance inside IMRT too", svc("guidance", hosp(A, { payer = "medicare", guidance = "kv", with_imrt = true })),
    lines = "", level = "included" },
  { "2015-2025: commercial practitioner guidance beside IMRT is 77387-26",
    svc("guidance", comm(A, { guidance = "cbct", with_imrt = true })), lines = "77387-26x1", reason = "professional part" },
  { "2015-2025: practitioner without a payer, beside IMRT, is 77387-26",
    svc("guidance", { date = LAST_A, guidance = "ct", with_imrt = true }), lines = "77387-26x1" },
  { "Medicare practitioner CT guidance beside G6015 stays 77014", svc("guidance", mp(A, { guidance = "ct", with_imrt = true })),
    lines = "77014x1" },
  { "Medicare practitioner guidance beside G6015", svc("guidance", mp(A, { guidance = "kv", with_imrt = true })),
    lines = "G6002x1" },
  { "2026: 77387-26 for Medicare practitioner", svc("guidance", mp(FIRST_B, { guidance = "ct" })), lines = "77387-26x1",
    reason = "professional part, 77387%-26" },
  { "2026: 77387-26 for a commercial practitioner claim", svc("guidance", comm(B, { guidance = "kv", with_imrt = true })),
    lines = "77387-26x1" },
  { "2026: 77387 with no modifier on a hospital claim", svc("guidance", hosp(B, { guidance = "cbct" })), lines = "77387x1",
    reason = "no modifier %(OPPS status N, packaged%)" },
  { "2026: 77387 with no modifier on a hospital Medicare claim, first day",
    svc("guidance", hosp(FIRST_B, { payer = "medicare", guidance = "ct" })), lines = "77387x1" },
  { "guidance method needed for Medicare G-codes", svc("guidance", mp(A, {})), err = "^guidance is required" },
  -- proton
  { "proton simple without compensation", svc("proton", hosp(A, {})), lines = "77520x1", level = "simple" },
  { "proton simple with compensation", svc("proton", hosp(B, { compensation = true })), lines = "77522x1" },
  { "proton two ports is intermediate", svc("proton", hosp(A, { ports = 2, compensation = true })), lines = "77523x1",
    level = "intermediate" },
  { "proton oblique port is intermediate", svc("proton", comm(B, { tangential = true })), lines = "77523x1" },
  { "proton matching fields is complex", svc("proton", hosp(A, { ports = 2, matching = true })), lines = "77525x1",
    level = "complex", reason = "matching" },
  { "proton isocentres is complex", svc("proton", hosp(B, { isocenters = 2 })), lines = "77525x1" },
  -- SRS and SBRT
  { "SRS linac", svc("srs", hosp(A, {})), lines = "77372x1" },
  { "SRS cobalt", svc("srs", hosp(B, { platform = "cobalt" })), lines = "77371x1" },
  { "SRS robotic Medicare professional claim", svc("srs", mp(A, { platform = "robotic" })), lines = "G0339x1" },
  { "SRS robotic Medicare professional claim 2026", svc("srs", mp(B, { platform = "robotic" })), lines = "G0339x1" },
  { "SRS robotic Medicare hospital claim is 77372", svc("srs", hosp(A, { payer = "medicare", platform = "robotic" })),
    lines = "77372x1", reason = "OPPS status B" },
  { "SRS robotic Medicare hospital claim 2026 is 77372", svc("srs", hosp(B, { payer = "medicare", platform = "robotic" })),
    lines = "77372x1" },
  { "SRS robotic commercial is linac", svc("srs", comm(A, { platform = "robotic" })), lines = "77372x1" },
  { "SRS in three fractions is refused", svc("srs", hosp(A, { fractions = 3 })), err = "SBRT" },
  { "SBRT fifth fraction", svc("sbrt", hosp(A, { fraction = 5 })), lines = "77373x1" },
  { "SBRT sixth fraction is refused", svc("sbrt", hosp(B, { fraction = 6 })), err = "fraction 6" },
  { "SBRT six-fraction course is refused", svc("sbrt", hosp(A, { fractions = 6 })), err = "at most five" },
  { "SBRT robotic Medicare first session", svc("sbrt", mp(A, { platform = "robotic", fraction = 1 })),
    lines = "G0339x1" },
  { "SBRT robotic Medicare second session", svc("sbrt", mp(B, { platform = "robotic", fraction = 2 })),
    lines = "G0340x1" },
  { "SBRT robotic needs the fraction number", svc("sbrt", mp(A, { platform = "robotic" })),
    err = "^fraction is required" },
  { "SBRT robotic Medicare hospital claim is 77373", svc("sbrt", hosp(A, { payer = "medicare", platform = "robotic", fraction = 1 })),
    lines = "77373x1", reason = "OPPS status B" },
  { "SBRT robotic Medicare hospital claim 2026 is 77373", svc("sbrt", hosp(B, { payer = "medicare", platform = "robotic", fraction = 2 })),
    lines = "77373x1" },
  -- HDR
  { "HDR one channel", svc("hdr", comm(A, { channels = 1 })), lines = "77770x1" },
  { "HDR two channels", svc("hdr", comm(A, { channels = 2 })), lines = "77771x1" },
  { "HDR twelve channels", svc("hdr", comm(B, { channels = 12 })), lines = "77771x1" },
  { "HDR thirteen channels", svc("hdr", comm(B, { channels = 13 })), lines = "77772x1" },
  { "HDR in the hospital adds the source", svc("hdr", hosp(A, { channels = 1 })), lines = "77770x1 C1717x1" },
  { "skin surface HDR, small lesion", svc("hdr", comm(A, { surface = true, channels = 1, lesion_mm = 15 })), lines = "77767x1" },
  { "skin surface HDR, large lesion", svc("hdr", comm(A, { surface = true, channels = 4, lesion_mm = 30 })), lines = "77768x1" },
  { "HDR needs channels", svc("hdr", comm(A, {})), err = "^channels is required" },
  -- isodose plans
  { "brachy plan one channel", svc("isodose", comm(A, { modality = "brachytherapy", channels = 1 })), lines = "77316x1" },
  { "brachy plan two channels", svc("isodose", comm(A, { modality = "brachytherapy", channels = 2 })), lines = "77317x1" },
  { "brachy plan twelve channels", svc("isodose", comm(A, { modality = "brachytherapy", channels = 12 })), lines = "77317x1" },
  { "brachy plan thirteen channels", svc("isodose", comm(B, { modality = "brachytherapy", channels = 13 })), lines = "77318x1" },
  { "brachy plan four sources", svc("isodose", comm(A, { modality = "brachytherapy", sources = 4 })), lines = "77316x1" },
  { "brachy plan five sources", svc("isodose", comm(A, { modality = "brachytherapy", sources = 5 })), lines = "77317x1" },
  { "brachy plan eleven sources", svc("isodose", comm(A, { modality = "brachytherapy", sources = 11 })), lines = "77318x1" },
  { "brachy plan needs channels or sources", svc("isodose", comm(A, { modality = "brachytherapy" })),
    err = "channels or sources is required" },
  { "teletherapy isodose simple", svc("isodose", hosp(A, { modality = "teletherapy", ports = 2 })), lines = "77306x1" },
  { "teletherapy isodose with wedges", svc("isodose", hosp(A, { modality = "teletherapy", wedges = true })), lines = "77307x1" },
  -- superficial
  { "superficial in 2025 is 77401", svc("superficial", comm(A, { kv = 100 })), lines = "77401x1" },
  { "superficial 150 kV in 2026", svc("superficial", comm(B, { kv = 150 })), lines = "77437x1" },
  { "orthovoltage 250 kV in 2026", svc("superficial", comm(B, { kv = 250 })), lines = "77438x1" },
  { "superficial with ultrasound guidance in 2026", svc("superficial", hosp(B, { kv = 100, guidance = "ultrasound" })),
    lines = "77437x1 77439x1" },
  { "superficial in 2026 needs kV", svc("superficial", hosp(B, {})), err = "^kv is required" },
  -- clinical treatment planning and simulation
  { "planning simple", svc("planning", comm(A, {})), lines = "77261x1", level = "simple" },
  { "planning two areas", svc("planning", comm(B, { areas = 2 })), lines = "77262x1" },
  { "planning custom blocking", svc("planning", hosp(A, { custom_blocking = true })), lines = "77263x1" },
  { "planning IMRT", svc("planning", hosp(B, { technique = "imrt" })), lines = "77263x1" },
  { "simulation simple", svc("simulation", comm(A, {})), lines = "77280x1" },
  { "simulation two areas", svc("simulation", comm(A, { areas = 2 })), lines = "77285x1" },
  { "simulation with contrast", svc("simulation", comm(B, { contrast = true })), lines = "77290x1" },
  { "simulation with breath hold for a 3D plan adds 77293",
    svc("simulation", hosp(A, { technique = "3d", motion_management = "breath_hold" })), lines = "77280x1 77293x1" },
  { "simulation with gating for an IMRT plan adds 77293",
    svc("simulation", hosp(B, { areas = 3, technique = "imrt", motion_management = "gating" })), lines = "77290x1 77293x1" },
  { "no 77293 for a 2D plan", svc("simulation", hosp(A, { technique = "2d", motion_management = "gating" })),
    lines = "77280x1", reason = "no 77293" },
  { "77293 needs the plan technique", svc("simulation", hosp(A, { motion_management = "gating" })),
    err = "technique is required" },
  -- treatment management
  { "1 fraction: 77431", svc("management", comm(A, { fractions = 1 })), lines = "77431x1" },
  { "2 fractions: 77431, dated", svc("management", comm(A, { fraction_dates = weekdays(2) })),
    lines = "77431x1@2025-06-03" },
  { "3 fractions: one 77427", svc("management", comm(A, { fraction_dates = weekdays(3) })),
    lines = "77427x1@2025-06-04" },
  { "4 fractions: one 77427", svc("management", comm(A, { fractions = 4 })), lines = "77427x1" },
  { "5 fractions: one 77427", svc("management", comm(A, { fraction_dates = weekdays(5) })),
    lines = "77427x1@2025-06-06" },
  { "6 fractions: one 77427", svc("management", comm(A, { fraction_dates = weekdays(6) })),
    lines = "77427x1@2025-06-06", reason = "1 or 2 left over earn none" },
  { "8 fractions: two 77427", svc("management", comm(A, { fraction_dates = weekdays(8) })),
    lines = "77427x1@2025-06-06 77427x1@2025-06-11" },
  { "18 fractions: four 77427, the last on the last fraction", svc("management", mp(A, { fraction_dates = weekdays(18) })),
    lines = "77427x1@2025-06-06 77427x1@2025-06-13 77427x1@2025-06-20 77427x1@2025-06-25" },
  { "62 fractions: twelve 77427", svc("management", hosp(B, { fractions = 62 })), lines = rep("77427x1", 12) },
  { "SRS course: 77432 once", svc("management", comm(A, { course_kind = "srs", fraction_dates = weekdays(1) })),
    lines = "77432x1@2025-06-02" },
  { "SBRT course: 77435 once", svc("management", comm(A, { course_kind = "sbrt", fraction_dates = weekdays(5) })),
    lines = "77435x1@2025-06-06" },
  { "SBRT course of six is refused", svc("management", comm(A, { course_kind = "sbrt", fractions = 6 })),
    err = "at most five" },
  { "SRS course of two is refused", svc("management", comm(A, { course_kind = "srs", fractions = 2 })), err = "one session" },
  { "management needs fractions", svc("management", comm(A, {})), err = "^fractions is required" },
  -- refusals: missing, contradictory and nonsense facts
  { "energy is needed for Medicare practitioner delivery", svc("delivery", mp(A, { areas = 2 })),
    err = "^energy_mev is required for Medicare practitioner delivery before 2026$" },
  { "technique is needed from 2026", svc("delivery", hosp(B, {})), err = "^technique is required" },
  { "IMRT delivery before 2026 needs the site outside Medicare practitioner claims",
    svc("delivery", hosp(A, { technique = "imrt" })), err = "^imrt_site is required to classify delivery" },
  { "total skin needs electrons", svc("delivery", hosp(B, { technique = "3d", total_skin = true })),
    err = "technique electron" },
  { "negative ports", svc("delivery", hosp(A, { ports = -1 })), err = "^ports %-1 is out of range" },
  { "zero fractions", svc("management", comm(A, { fractions = 0 })), err = "^fractions 0 is out of range" },
  { "400 MeV", svc("delivery", mp(A, { energy_mev = 400 })), err = "^energy_mev 400 is out of range" },
  { "6.5 MeV", svc("delivery", mp(A, { energy_mev = 6.5 })), err = "^energy_mev must be a whole number" },
  { "unknown technique", svc("delivery", hosp(B, { technique = "laser" })), err = "^technique 'laser' is not one of" },
  { "fractions and dates disagree", svc("management", comm(A, { fractions = 5, fraction_dates = weekdays(4) })),
    err = "^fractions %(5%) does not match the 4 fraction_dates" },
  { "empty fraction list", svc("management", comm(A, { fraction_dates = {} })), err = "^fraction_dates count 0 is out of range" },
  { "fraction dates out of order", svc("management", comm(A, { fraction_dates = { "2025-06-03", "2025-06-02" } })),
    err = "in order" },
  { "impossible fraction date", svc("management", comm(A, { fraction_dates = { "2025-02-30" } })),
    err = "^fraction_dates%[1%]: impossible date" },
  { "malformed date of service", svc("delivery", { date = "2025-6-2" }), err = "^malformed date" },
  { "date before 2015", svc("delivery", hosp("2014-12-31", {})), err = "before 2015%-01%-01" },
  { "unknown service", { service = "teleportation" }, err = "^unknown service 'teleportation'" },
  { "missing service", { date = A }, err = "^service is required" },
}

describe("rc:classify", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("has at least 60 table-driven cases", function()
    assert.is_true(#CASES >= 60, #CASES .. " cases")
  end)

  for _, case in ipairs(CASES) do
    it(case[1], function()
      local result, err = rc:classify(case[2])
      if case.err then
        assert.is_nil(result, case[1])
        assert.is_string(err)
        assert.is_truthy(err:find(case.err), ("%q does not match %q"):format(err, case.err))
        return
      end
      assert.is_table(result, err)
      assert.are.equal(case.lines, render(result.lines))
      if case.level then assert.are.equal(case.level, result.level) end
      assert.is_table(result.reasons)
      if case.reason then
        local all = table.concat(result.reasons, " | ")
        assert.is_truthy(all:find(case.reason), ("%q does not match %q"):format(all, case.reason))
      end
    end)
  end

  it("returns exactly the contract's result", function()
    assert.are.same({ lines = { { code = "G6008", units = 1 } }, level = "intermediate",
                      reasons = { "two separate treatment areas" } },
      rc:classify { service = "delivery", date = "2025-06-02", setting = "practitioner",
                    payer = "medicare", energy_mev = 6, areas = 2, ports = 3, blocks = 0 })
  end)

  it("gives every classification a reason", function()
    for _, case in ipairs(CASES) do
      local result = rc:classify(case[2])
      if result then assert.is_true(#result.reasons >= 1, case[1]) end
    end
  end)

  it("dates 77427 on a fraction of each week and counts 62 fractions as 12", function()
    local dates = weekdays(62)
    local result = assert(rc:classify { service = "management", fraction_dates = dates })
    assert.are.equal(12, #result.lines)
    for i, line in ipairs(result.lines) do
      assert.are.same({ code = "77427", units = 1, date = dates[5 * i] }, line)
    end
  end)

  describe("the same facts on any date", function()
    local FACTS = { technique = "imrt", imrt_site = "prostate", motion_management = "breath_hold", isocenters = 1 }
    local function all(r) return table.concat(r.reasons, " | ") end

    it("classifies 2026 facts on a 2025 date, naming those not used", function()
      local r, err = rc:classify(svc("delivery", hosp(A, with(FACTS))))
      assert.is_table(r, err)
      assert.are.equal("77385x1", render(r.lines))
      assert.is_truthy(all(r):find("motion_management (breath_hold) does not decide the level before 2026", 1, true), all(r))
      assert.is_truthy(all(r):find("isocenters (1) does not decide the level before 2026", 1, true), all(r))
      r = assert(rc:classify(svc("delivery", mp(A, with(FACTS)))))
      assert.are.equal("G6015x1", render(r.lines))
    end)

    it("classifies the same facts in 2026 by the level ladder", function()
      local r = assert(rc:classify(svc("delivery", hosp(B, with(FACTS)))))
      assert.are.equal("77412x1", render(r.lines))
      assert.are.equal("level 3", r.level)
      assert.is_truthy(all(r):find("imrt_site (prostate) does not decide the level from 2026", 1, true), all(r))
    end)

    it("classifies a 3D course with 2015-2025 and 2026 facts in both eras", function()
      local facts = { technique = "3d", areas = 2, energy_mev = 6, isocenters = 1 }
      assert.are.equal("G6008x1", render(assert(rc:classify(svc("delivery", mp(A, with(facts))))).lines))
      assert.are.equal("77407x1", render(assert(rc:classify(svc("delivery", hosp(A, with(facts))))).lines))
      assert.are.equal("77407x1", render(assert(rc:classify(svc("delivery", mp(B, with(facts))))).lines))
    end)

    it("gives service imrt the lines and level of delivery with technique imrt", function()
      local contexts = { mp(A), hosp(A), comm(A), mp(LAST_A), hosp(FIRST_B), mp(B), comm(B) }
      local variants = {
        { imrt_site = "prostate" }, { imrt_site = "other" }, { imrt_method = "compensator", imrt_site = "breast" },
        { imrt_site = "other", isocenters = 2 }, { imrt_site = "other", motion_management = "gating" },
        { imrt_site = "other", mixed_modality = true }, { imrt_site = "breast", isocenters = 1 },
      }
      for _, ctx in ipairs(contexts) do
        for _, v in ipairs(variants) do
          local alias = assert(rc:classify(svc("imrt", with(ctx, v))))
          local direct = assert(rc:classify(svc("delivery", with(ctx, with(v, { technique = "imrt" })))))
          local where = ctx.date .. " " .. ctx.setting .. " " .. (ctx.payer or "")
          assert.are.equal(render(direct.lines), render(alias.lines), where)
          assert.are.equal(direct.level, alias.level, where)
        end
      end
    end)
  end)

  describe("from 2026, facts that no longer decide the level", function()
    local GIVEN = { areas = 2, ports = 3, blocks = 3, energy_mev = 6, custom_blocking = true, tangential = true,
                    wedges = true, rotational = true, compensation = true, electrons = true }
    local SHOWN = { areas = "2", ports = "3", blocks = "3", energy_mev = "6" }

    for name, value in pairs(GIVEN) do
      it("names " .. name .. " as not used when given", function()
        local r = assert(rc:classify(svc("delivery", hosp(B, { technique = "3d", [name] = value }))))
        assert.are.equal("77407x1", render(r.lines))
        local note = ("%s (%s) does not decide the level from 2026"):format(name, SHOWN[name] or "yes")
        local all = table.concat(r.reasons, " | ")
        assert.is_truthy(all:find(note, 1, true), all)
        assert.is_truthy(r.reasons[1]:find("^3D conformal"), r.reasons[1])
      end)
    end

    it("names nothing when no such fact is given", function()
      local r = assert(rc:classify(svc("delivery", mp(B, { technique = "imrt", isocenters = 1 }))))
      assert.are.same({ "intensity-modulated (imrt) to a single isocentre" }, r.reasons)
    end)

    it("names areas even when the level is 3", function()
      local r = assert(rc:classify(svc("delivery", hosp(B, { technique = "vmat", isocenters = 2, areas = 3 }))))
      assert.are.same({ "multiple isocentres (2)", "areas (3) does not decide the level from 2026" }, r.reasons)
    end)
  end)

  describe("the single isocentre wording", function()
    for _, technique in ipairs { "3d", "imrt", "vmat" } do
      it("is absent for " .. technique .. " when isocenters is not given", function()
        local r = assert(rc:classify(svc("delivery", hosp(B, { technique = technique }))))
        assert.are.equal("level 2", r.level)
        local all = table.concat(r.reasons, " | ")
        assert.is_falsy(all:find("single isocentre", 1, true), all)
        assert.is_truthy(all:find("isocenters not given", 1, true), all)
        r = assert(rc:classify(svc("imrt", hosp(B, {}))))
        assert.is_falsy(table.concat(r.reasons, " | "):find("single isocentre", 1, true))
      end)
      it("is present for " .. technique .. " when isocenters is 1", function()
        local r = assert(rc:classify(svc("delivery", hosp(B, { technique = technique, isocenters = 1 }))))
        assert.is_truthy(table.concat(r.reasons, " | "):find("single isocentre", 1, true))
      end)
    end

    it("appears in no case unless the facts say isocenters == 1", function()
      for _, case in ipairs(CASES) do
        local r = rc:classify(case[2])
        if r and table.concat(r.reasons, " | "):find("single isocentre", 1, true) then
          assert.are.equal(1, case[2].isocenters, case[1])
        end
      end
    end)
  end)

  it("matches the payer without regard to case", function()
    local r = assert(rc:classify { service = "delivery", date = A, payer = "Medicare", energy_mev = 6 })
    assert.are.equal("G6004", r.lines[1].code)
  end)

  it("defaults the date to today and the setting to practitioner", function()
    local r = assert(rc:classify { service = "proton" })
    assert.are.equal("77520", r.lines[1].code)
  end)

  describe("raises on programming errors", function()
    local function raises(facts, pattern)
      local ok, err = pcall(rc.classify, rc, facts)
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find(pattern), tostring(err))
    end
    it("rejects unknown fact names, by name", function()
      raises({ service = "delivery", energy = 6 }, "unknown fact 'energy'")
      raises({ service = "delivery", Areas = 2 }, "unknown fact 'Areas'")
    end)
    it("rejects wrong types", function()
      raises({ service = "delivery", areas = "2" }, "fact 'areas' must be an integer, got string")
      raises({ service = "delivery", wedges = 1 }, "fact 'wedges' must be a boolean, got number")
      raises({ service = "delivery", technique = 3 }, "fact 'technique' must be a string")
      raises({ service = "management", fraction_dates = "2025-06-02" }, "must be a list of dates")
      raises({ service = "management", fraction_dates = { 20250602 } }, "list of date strings")
      raises({ service = 1 }, "'service' must be a string")
      raises({ service = "delivery", [1] = true }, "fact names must be strings")
      raises({ service = "delivery", setting = "office" }, "invalid setting 'office'")
      raises(nil, "table expected")
      raises("delivery", "table expected")
    end)
    it("refuses a closed handle", function()
      local h = assert(radcode.open())
      h:close()
      assert.has_error(function() h:classify { service = "delivery" } end)
    end)
  end)
end)

describe("radcode classify", function()
  it("prints the contract example as text", function()
    local out, err, code = H.radcode { "classify", "--service", "delivery", "--date", "2025-06-02",
      "--setting", "practitioner", "--payer", "medicare", "--energy", "6", "--areas", "2" }
    assert.are.equal(0, code, err)
    assert.is_truthy(out:find("^G6008 x1\n"), out)
    assert.is_truthy(out:find("two separate treatment areas", 1, true), out)
  end)

  it("prints JSON with --json", function()
    local out, err, code = H.radcode { "classify", "--service", "delivery", "--date", "2025-06-02",
      "--setting", "practitioner", "--payer", "medicare", "--energy", "6", "--areas", "2", "--json" }
    assert.are.equal(0, code, err)
    assert.are.same({ lines = { { code = "G6008", units = 1 } }, level = "intermediate",
                      reasons = { "two separate treatment areas" } }, radcode.json.decode(out))
  end)

  it("takes flags and dated fractions", function()
    local out, err, code = H.radcode { "classify", "--service", "management", "--json",
      "--fraction-dates", table.concat(weekdays(8), ",") }
    assert.are.equal(0, code, err)
    local r = radcode.json.decode(out)
    assert.are.equal("2025-06-11", r.lines[2].date)
    out, err, code = H.radcode { "classify", "--service", "delivery", "--date", "2025-06-02",
      "--setting", "hospital", "--wedges" }
    assert.are.equal(0, code, err)
    assert.is_truthy(out:find("^77412 x1"), out)
  end)

  it("reads facts from a JSON file, options overriding", function()
    local dir = H.tmpdir()
    local path = dir .. "/facts.json"
    H.write(path, '{"service": "delivery", "date": "2026-02-02", "setting": "hospital",'
      .. ' "technique": "vmat", "isocenters": 2}')
    local out, err, code = H.radcode { "classify", "--facts", path, "--json" }
    assert.are.equal(0, code, err)
    assert.are.equal("77412", radcode.json.decode(out).lines[1].code)
    out, err, code = H.radcode { "classify", "--facts", path, "--isocenters", "1", "--json" }
    assert.are.equal(0, code, err)
    assert.are.equal("77407", radcode.json.decode(out).lines[1].code)
    H.remove_tree(dir)
  end)

  local function fails(args, pattern)
    local out, err, code = H.radcode(args)
    assert.are.equal(2, code, out)
    assert.are.equal("", out)
    assert.is_truthy(err:find("^radcode: [^\n]*\n$"), err)
    assert.is_truthy(err:find(pattern), err)
  end

  it("exits 2 with one line on a refused classification", function()
    fails({ "classify", "--service", "delivery", "--date", "2025-06-02", "--payer", "medicare" },
      "energy_mev is required for Medicare practitioner delivery before 2026")
    fails({ "classify", "--service", "management", "--fractions", "0" }, "fractions 0 is out of range")
  end)

  it("exits 2 with one line on bad options and files", function()
    fails({ "classify", "--service", "delivery", "--areas", "two" }, "%-%-areas needs a whole number")
    fails({ "classify", "--service", "delivery", "--bogus", "1" }, "unknown option %-%-bogus")
    fails({ "classify", "--service", "delivery", "--setting", "office" }, "invalid setting")
    fails({ "classify", "--facts", "/nonexistent/facts.json" }, "cannot read facts file")
    local dir = H.tmpdir()
    H.write(dir .. "/bad.json", '{"service": "delivery", "colour": "red"}')
    fails({ "classify", "--facts", dir .. "/bad.json" }, "unknown fact 'colour'")
    H.write(dir .. "/list.json", '[1, 2]')
    fails({ "classify", "--facts", dir .. "/list.json" }, "must be a JSON object")
    H.remove_tree(dir)
  end)
end)

describe("classification data", function()
  local function read_tsv(path)
    local rows, header = {}, nil
    for line in io.lines(path) do
      if not line:match("^#") and line ~= "" then
        local fields = {}
        for f in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = f end
        if not header then
          header = fields
        else
          local row = {}
          for i, name in ipairs(header) do row[name] = fields[i] ~= "" and fields[i] or nil end
          rows[#rows + 1] = row
        end
      end
    end
    return rows
  end

  it("names only known facts in conditions, units, reasons and dated_by", function()
    local known = { service = true, setting = true, payer = true, level = true }
    local kinds = {}
    for _, f in ipairs(read_tsv(H.root .. "/data/classify_facts.tsv")) do
      known[f.name] = true
      kinds[f.name] = f.type
    end
    local words = { ["and"] = true, ["or"] = true, ["not"] = true, ["true"] = true,
                    ["false"] = true, has = true, given = true }
    for _, r in ipairs(read_tsv(H.root .. "/data/classify_rules.tsv")) do
      local where = r.service .. " " .. r.priority
      for _, text in ipairs { r.condition or "", r.units or "" } do
        for name in text:gsub('"[^"]*"', ""):gmatch("[%a_][%w_]*") do
          assert.is_true(known[name] or words[name] or false, where .. ": " .. name)
        end
      end
      for name in (r.reason or ""):gmatch("{([%w_]+)}") do
        assert.is_true(known[name] or false, where .. ": {" .. name .. "}")
      end
      if r.dated_by then assert.are.equal("dates", kinds[r.dated_by], where) end
      assert.is_truthy(r.source, where)
    end
  end)

  for _, file in ipairs { "classify_rules", "classify_facts" } do
    it("cites a real source on every row of " .. file .. ", never DOMAIN.md", function()
      local rows = read_tsv(H.root .. "/data/" .. file .. ".tsv")
      assert.is_true(#rows > 30, file)
      for _, r in ipairs(rows) do
        local where = file .. " " .. (r.service or "") .. " " .. (r.priority or r.name or "")
        assert.is_string(r.source, where)
        assert.is_truthy(r.source:find("%S"), where)
        assert.is_falsy(r.source:lower():find("domain", 1, true), where .. ": " .. r.source)
        assert.is_falsy(r.source:find("README", 1, true), where .. ": " .. r.source)
        assert.is_truthy(r.source:find("CPT 20%d%d") or r.source:find("CMS ") or r.source:find("ASTRO")
          or r.source:find("NCCI") or r.source:find("Medicare Claims Processing Manual"), where .. ": " .. r.source)
        if r.source:find("ASTRO") or r.source:find("Jahraus") then
          assert.is_truthy(r.source:find("(secondary)", 1, true), where)
        end
      end
    end)
  end

  it("keeps G0339/G0340 off hospital claims", function()
    for _, r in ipairs(read_tsv(H.root .. "/data/classify_rules.tsv")) do
      if r.code == "G0339" or r.code == "G0340" then
        assert.are.same({ "practitioner", "medicare" }, { r.setting, r.payer }, r.service .. " " .. r.priority)
      end
    end
  end)
end)

describe("rc:classify on a user's database", function()
  local dir, path, rc
  local FACTS = { areas = 2, wedges = true, technique = "3d", fractions = 18 }
  local PROBES = {
    { "1 + 2 * 3 == 7", "YES" }, { "(1 + 2) * 3 == 9", "YES" }, { "areas * 2 - 1 == 3", "YES" },
    { "-areas == -2", "YES" }, { "fractions / 5 == 3 and fractions % 5 == 3", "YES" },
    { "not wedges", "NO" }, { "not not wedges", "YES" }, { 'wedges and technique == "3d"', "YES" },
    { 'technique != "3d" or areas >= 2', "YES" }, { "false and energy_mev > 5", "NO" },
    { "true or energy_mev > 5", "YES" }, { "has(energy_mev)", "NO" }, { "has(areas) and has(ports)", "YES" },
    { "1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and not (2 < 2)", "YES" }, { "true == (2 > 1)", "YES" },
    { "wedges + 1 == 2", "YES" }, { 'service == "probe17" and setting == "practitioner"', "YES" },
    { "energy_mev > 5", nil, "^energy_mev is required to classify probe18$" },
    { 'areas == "2"', nil, "cannot compare integer with string" },
    { "areas / 0 == 1", nil, "division by zero" },
    { "areas >", nil, "unexpected" },
    { "(areas == 2", nil, "expected '%)'" },
    { "areas", nil, "is not a boolean" },
    { '"open', nil, "unfinished string" },
    { "1 2", nil, "unexpected '2'" },
    { "areas and true", nil, "'and' needs booleans" },
    { ("("):rep(100) .. "true" .. (")"):rep(100), nil, "nested too deeply" },
    { "given(areas) and has(ports) and not given(ports)", "YES" }, { "given(energy_mev)", "NO" },
    { "given(service)", "NO" }, { "given(areas", nil, "expected given%(name%)" },
  }

  local function sql(statements)
    local _, err, code = H.run("sqlite3 " .. H.quote(path) .. " " .. H.quote(statements))
    assert.are.equal(0, code, err)
  end

  local function rule(service, priority, condition, code, from)
    return ("INSERT INTO classify_rules (service, slot, priority, valid_from, setting, payer,"
      .. " condition, code, source) VALUES ('%s', 'code', %d, '%s', '*', '*', %s, '%s', 'spec');")
      :format(service, priority, from or "2015-01-01",
        condition and ("'" .. condition:gsub("'", "''") .. "'") or "NULL", code)
  end

  setup(function()
    dir = H.tmpdir()
    path = dir .. "/user.db"
    local base = assert(radcode.open())
    assert(base:save(path))
    base:close()
    local statements = {}
    for i, p in ipairs(PROBES) do
      statements[#statements + 1] = rule("probe" .. i, 1, p[1], "YES")
      statements[#statements + 1] = rule("probe" .. i, 2, nil, "NO")
    end
    -- one note slot per row: 49 slots are more than a run tracks
    for i = 1, 49 do
      statements[#statements + 1] = ("INSERT INTO classify_rules (service, slot, priority, valid_from, setting,"
        .. " payer, reason, source) VALUES ('notes', 'note:%d', %d, '2015-01-01', '*', '*', 'note %d', 'spec');")
        :format(i, i, i)
    end
    -- a new year of codes is new rows: a made-up 2027 level-2 code
    statements[#statements + 1] = rule("delivery", 299, 'level == "level 2"', "77999", "2027-01-01")
    sql(table.concat(statements, "\n"))
    rc = assert(radcode.open { db = path })
  end)
  teardown(function()
    if rc then rc:close() end
    H.remove_tree(dir)
  end)

  for i, p in ipairs(PROBES) do
    it(("evaluates %q"):format(p[1]:sub(1, 40)), function()
      local facts = { service = "probe" .. i }
      for k, v in pairs(FACTS) do facts[k] = v end
      local result, err = rc:classify(facts)
      if p[3] then
        assert.is_nil(result)
        assert.is_truthy(err:find(p[3]), err)
      else
        assert.is_table(result, err)
        assert.are.equal(p[2], result.lines[1].code)
      end
    end)
  end

  it("adds the reason of every note slot, and refuses more slots than it tracks", function()
    local result, err = rc:classify { service = "notes" }
    assert.is_nil(result)
    assert.are.equal("classify_rules notes: more than 48 slots", err)
    assert(H.run("sqlite3 " .. H.quote(path) .. " \"DELETE FROM classify_rules WHERE slot = 'note:49'\""))
    local other = assert(radcode.open { db = path })
    result = assert(other:classify { service = "notes" })
    other:close()
    assert.are.equal(48, #result.reasons)
    assert.are.equal("note 48", result.reasons[48])
  end)

  it("takes a new year's codes from new rows", function()
    local facts = { service = "delivery", setting = "hospital", technique = "3d" }
    facts.date = "2026-12-31"
    assert.are.equal("77407", assert(rc:classify(facts)).lines[1].code)
    facts.date = "2027-01-01"
    assert.are.equal("77999", assert(rc:classify(facts)).lines[1].code)
  end)
end)

describe("classify_facts beyond what csrc/facts.h holds", function()
  local dir, path
  before_each(function()
    dir = H.tmpdir()
    path = H.new_db(dir)
  end)
  after_each(function() H.remove_tree(dir) end)

  local function classify_with(statements)
    H.sql(path, table.concat(statements, "\n"))
    local rc = assert(radcode.open { db = path })
    local result, err = rc:classify { service = "delivery", technique = "3d", date = "2026-03-02" }
    rc:close()
    return result, err
  end

  it("is a load error naming the limit when there are more facts than RC_FACTS_MAX", function()
    local have = tonumber(H.sql(path, "SELECT count(*) FROM classify_facts")[1])
    local statements = {}
    for i = 1, 65 - have do
      statements[i] = ("INSERT INTO classify_facts (name, type, meaning, source) VALUES"
        .. " ('zz_extra_%d', 'boolean', 'spec', 'spec');"):format(i)
    end
    local result, err = classify_with(statements)
    assert.is_nil(result)
    assert.are.equal("classify_facts: more than 64 facts (RC_FACTS_MAX in csrc/facts.h)", err)
  end)

  it("takes exactly RC_FACTS_MAX facts", function()
    local have = tonumber(H.sql(path, "SELECT count(*) FROM classify_facts")[1])
    local statements = {}
    for i = 1, 64 - have do
      statements[i] = ("INSERT INTO classify_facts (name, type, meaning, source) VALUES"
        .. " ('zz_extra_%d', 'boolean', 'spec', 'spec');"):format(i)
    end
    assert.is_table((classify_with(statements)))
  end)

  it("is a load error when a fact's name is longer than a fact name holds", function()
    local result, err = classify_with {
      "INSERT INTO classify_facts (name, type, meaning, source) VALUES ('" .. ("n"):rep(40)
        .. "', 'boolean', 'spec', 'spec');" }
    assert.is_nil(result)
    assert.is_truthy(err:find("longer than csrc/facts.h allows", 1, true), err)
  end)
end)

describe("classify_rules slot check", function()
  it("refuses a row of slot check that does not refuse, naming it, instead of skipping later checks", function()
    local dir = H.tmpdir()
    local path = H.new_db(dir)
    H.sql(path, "INSERT INTO classify_rules (service, slot, priority, valid_from, setting, payer, condition, reason,"
      .. " source) VALUES ('delivery', 'check', 5, '2026-01-01', '*', '*', 'true', 'a note in the wrong slot', 'spec');")
    local rc = assert(radcode.open { db = path })
    local result, err = rc:classify { service = "delivery", date = "2026-03-02" }
    local before = rc:classify { service = "delivery", technique = "3d", date = "2025-06-02" }
    rc:close()
    H.remove_tree(dir)
    assert.is_nil(result)
    assert.are.equal("classify_rules delivery priority 5: a row of slot 'check' must refuse (refuse = 1);"
      .. " give a rule that does not refuse a slot of its own", err)
    assert.is_table(before)   -- the row is not in force in 2025
  end)
end)
