-- spec/json_spec.lua: the JSON codec in radcode.core (csrc/json.c).
local core = require "radcode.core"
local encode, decode, null = core.json_encode, core.json_decode, core.json_null

-- decode must fail softly: nil plus a message matching pattern.
local function rejects(text, pattern)
  local v, err = decode(text)
  assert.is_nil(v, "accepted " .. ("%q"):format(text))
  assert.is_string(err)
  assert.matches(pattern, err)
  return err
end

local function raises(value, pattern, pretty)
  local ok, err = pcall(encode, value, pretty)
  assert.is_false(ok, "encoded a value that should be refused")
  assert.matches(pattern, err)
  assert.matches("^json: ", err)
end

local function nest(n, open, close)
  return open:rep(n) .. close:rep(n)
end

describe("radcode.core json", function()
  describe("json_null", function()
    it("is a light userdata NULL sentinel that encodes as null", function()
      assert.equals("userdata", type(null))
      assert.equals("null", encode(null))
      assert.equals(null, decode("null"))
      assert.equals("null", encode(nil))
    end)
  end)

  describe("round trips", function()
    local claim = {
      id = "C-1001", patient = "P-17", course = "P-17/prostate-1",
      payer = "medicare", setting = "practitioner", pos = "11",
      diagnoses = { "C61" },
      lines = {
        { code = "77301", date = "2025-06-02", units = 1,
          modifiers = { "26" }, dx = { 1 } },
        { code = "77295", date = "2025-06-02", units = 1, rate = 0.5 },
      },
      flags = { ok = false, reviewed = true, note = null },
    }

    it("keeps a nested claim intact, compact and pretty", function()
      assert.same(claim, decode(encode(claim)))
      assert.same(claim, decode(encode(claim, true)))
    end)

    it("is deterministic: the same value gives the same text", function()
      local text = encode(claim)
      assert.equals(text, encode(decode(text)))
    end)

    it("keeps integer and float subtypes", function()
      local v = decode(encode({ 1, 1.0, -0.0, 2^53, 1e300, 0.1 + 0.2 }))
      assert.equals("integer", math.type(v[1]))
      assert.equals("float", math.type(v[2]))
      assert.equals("float", math.type(v[3]))
      assert.equals(-math.huge, 1 / v[3])          -- sign of -0.0 survives
      assert.equals("float", math.type(v[4]))
      assert.equals(2^53, v[4])
      assert.equals(1e300, v[5])
      assert.equals(0.1 + 0.2, v[6])
    end)

    it("round-trips a 1 MB string with every byte class", function()
      local parts = {}
      for i = 0, 127 do parts[#parts + 1] = string.char(i) end
      parts[#parts + 1] = "é€😀"
      local unit = table.concat(parts)
      local s = unit:rep(math.ceil(2^20 / #unit)):sub(1, 2^20 - 4) .. "😀"
      assert.equals(2^20, #s)
      local text = encode(s)
      assert.equals(s, decode(text))
    end)

    it("round-trips a 100,000-element array", function()
      local a = {}
      for i = 1, 100000 do a[i] = (i % 3 == 0) and i + 0.5 or i end
      local b = decode(encode(a))
      assert.equals(100000, #b)
      assert.equals(1, b[1]); assert.equals(3.5, b[3])
      assert.equals(100000, b[100000])
      assert.same(a, b)
    end)
  end)

  describe("json_encode", function()
    it("writes compact text with keys in sorted byte order", function()
      assert.equals('{"A":1,"B":2,"a":3,"aa":4,"b":[true,false,null]}',
        encode({ b = { true, false, null }, aa = 4, a = 3, B = 2, A = 1 }))
      assert.equals('[]', encode({}))
      assert.equals('[[],{"x":[]}]', encode({ {}, { x = {} } }))
      assert.equals('"plain"', encode("plain"))
    end)

    it("sorts keys that are prefixes of each other and contain NUL", function()
      assert.equals('{"a":1,"a\\u0000":2,"ab":3}',
        encode({ ab = 3, ["a\0"] = 2, a = 1 }))
    end)

    it("sorts large objects and non-ASCII keys by bytes", function()
      local t = {}
      for i = 1, 1000 do t[("k%04d"):format(1001 - i)] = i end
      local text, prev, n = encode(t), "", 0
      for k in text:gmatch('"(k%d+)":') do
        assert.is_true(k > prev, k)
        prev, n = k, n + 1
      end
      assert.equals(1000, n)
      assert.same(t, decode(text))
      assert.equals('{"Z":3,"z":2,"\u{E9}":1}', encode({ ["\u{E9}"] = 1, z = 2, Z = 3 }))
    end)

    it("writes pretty text with two-space indent", function()
      local want = table.concat({
        '{',
        '  "codes": [',
        '    "77301",',
        '    "77295"',
        '  ],',
        '  "empty": [],',
        '  "id": "C-1",',
        '  "units": {',
        '    "n": 2',
        '  }',
        '}' }, "\n")
      local v = { id = "C-1", codes = { "77301", "77295" }, empty = {},
                  units = { n = 2 } }
      assert.equals(want, encode(v, true))
      assert.equals('{"codes":["77301","77295"],"empty":[],"id":"C-1","units":{"n":2}}',
        encode(v, false))
      assert.equals("[\n  1\n]", encode({ 1 }, true))
    end)

    it("writes integers exactly and floats briefly but unambiguously", function()
      assert.equals("9223372036854775807", encode(math.maxinteger))
      assert.equals("-9223372036854775808", encode(math.mininteger))
      assert.equals("0", encode(0))
      assert.equals("1.0", encode(1.0))
      assert.equals("-0.0", encode(-0.0))
      assert.equals("0.1", encode(0.1))
      assert.equals("0.30000000000000004", encode(0.1 + 0.2))
      assert.equals("1e+300", encode(1e300))
      assert.equals("-2.5e-10", encode(-2.5e-10))
      assert.equals("123456789012345.0", encode(123456789012345.0))
      assert.equals("9007199254740992.0", encode(2^53))
    end)

    it("escapes quotes, backslashes and control characters", function()
      assert.equals([["\"\\\n\t\r\b\f"]], encode('"\\\n\t\r\b\f'))
      assert.equals([["\u0000\u0001\u001f/"]], encode("\0\1\31/"))
      assert.equals('"\127"', encode("\127"))
      local ctl = {}
      for i = 0, 31 do ctl[#ctl + 1] = string.char(i) end
      local s = table.concat(ctl)
      assert.equals(s, decode(encode(s)))
    end)

    it("passes valid UTF-8 through unescaped", function()
      assert.equals('"é€😀\u{10FFFF}"', encode("é€😀\u{10FFFF}"))
    end)

    it("refuses invalid UTF-8 in strings and keys", function()
      for _, s in ipairs { "\xff", "a\x80", "\xc0\xaf", "\xed\xa0\x80",
                           "\xe2\x82", "\xf4\x90\x80\x80", "\xf0\x9f\x98" } do
        raises(s, "^json: string is not valid UTF%-8")
        raises({ s }, "^json: string is not valid UTF%-8")
        raises({ [s] = 1 }, "^json: string is not valid UTF%-8")
      end
    end)

    it("refuses values JSON cannot hold", function()
      raises(print, "^json: cannot encode a function")
      raises({ f = print }, "^json: cannot encode a function")
      raises(coroutine.create(print), "^json: cannot encode a thread")
      raises(io.stdout, "^json: cannot encode a")
      raises(0 / 0, "^json: cannot encode NaN or infinity")
      raises(math.huge, "^json: cannot encode NaN or infinity")
      raises({ -math.huge }, "^json: cannot encode NaN or infinity")
    end)

    it("refuses tables that are neither arrays nor objects", function()
      raises({ 1, 2, x = 3 }, "^json: table mixes integer and string keys")
      raises({ 1, nil, 3 }, "^json: table is not a sequence")
      raises({ [2] = 1 }, "^json: table is not a sequence")
      raises({ [0] = 1, 2 }, "^json: table is not a sequence")
      raises({ [-1] = 1 }, "^json: table is not a sequence")
      raises({ [1.5] = 1 }, "^json: table has a non%-integer number key")
      raises({ [true] = 1 }, "^json: cannot encode a table key of type boolean")
      raises({ [{}] = 1 }, "^json: cannot encode a table key of type table")
    end)

    it("refuses cycles", function()
      local t = { a = { b = {} } }
      t.a.b.c = t
      raises(t, "^json: cycle in table$")
      local s = {}
      s[1] = s
      raises(s, "^json: cycle in table$")
    end)

    it("allows the same table twice when it is not a cycle", function()
      local shared = { 1 }
      assert.equals('{"a":[1],"b":[1]}', encode({ a = shared, b = shared }))
    end)

    it("accepts 200 levels of nesting and refuses 201", function()
      local function deep(n)
        local t = {}
        for _ = 2, n do t = { t } end
        return t
      end
      assert.equals(nest(200, "[", "]"), encode(deep(200)))
      raises(deep(201), "^json: nesting deeper than 200$")
    end)

    it("ignores metatables and reads tables raw", function()
      local t = setmetatable({ a = 1 }, {
        __index = function() return 2 end,
        __pairs = function() error("not called") end,
      })
      assert.equals('{"a":1}', encode(t))
    end)

    it("checks its arguments", function()
      assert.has_error(function() encode() end)
      assert.has_error(function() encode({}, "yes") end)
      assert.has_error(function() encode({}, 1) end)
      assert.equals("[]", encode({}, nil))
    end)
  end)

  describe("json_decode", function()
    it("decodes objects, arrays and literals", function()
      local v = decode(' { "a" : [ 1 , true , false , null ] , "b" : { } , "c" : [ ] } ')
      assert.same({ a = { 1, true, false, null }, b = {}, c = {} }, v)
      assert.is_true(decode("true"))
      assert.is_false(decode("false"))
      assert.equals("x", decode('"x"'))
    end)

    it("keeps null in arrays and objects as json_null", function()
      local v = decode('{"a":null,"b":[null,1,null]}')
      assert.equals(null, v.a)
      assert.equals(3, #v.b)
      assert.equals(null, v.b[1]); assert.equals(null, v.b[3])
      assert.equals('{"a":null,"b":[null,1,null]}', encode(v))
    end)

    it("lets the last duplicate key win", function()
      assert.same({ a = 2 }, decode('{"a":1,"a":2}'))
    end)

    -- issue 17, point 15
    it("lists each duplicate key, where it is, in the table given", function()
      local found = {}
      local v = decode('{"units":12,"units":1,\n "x":{"a":null,"a":2},"y":[{"a":1},{"a":1}]}', found)
      assert.same({ units = 1, x = { a = 2 }, y = { { a = 1 }, { a = 1 } } }, v)
      assert.same({ "json: duplicate key 'units' at line 1, column 13; the last value is kept",
                    "json: duplicate key 'a' at line 2, column 16; the last value is kept" }, found)
      local none = {}
      assert.same({ a = 1, b = 2 }, decode('{"a":1,"b":2}', none))
      assert.same({}, none)
      -- a long key is quoted up to 40 bytes, never half a character
      local long = {}
      local key = "k" .. ("é"):rep(30)
      decode(('{"%s":1,"%s":2}'):format(key, key), long)
      assert.equals(1, #long)
      assert.truthy(utf8.len(long[1]), long[1])
      assert.truthy(long[1]:find("'k" .. ("é"):rep(19) .. "...'", 1, true), long[1])
      assert.has_error(function() decode("{}", "x") end)
    end)

    it("skips a UTF-8 byte order mark before the value", function()
      assert.same({ a = 1 }, decode('\239\187\191{"a":1}'))
      assert.same({ 1 }, decode('\239\187\191 [1]'))
      local _, err = decode('\239\187\191{"a":}')
      assert.matches("at line 1, column 6$", err)
      -- only at the start
      assert.is_nil(decode(' \239\187\191{"a":1}'))
      assert.is_nil(decode('{"a":1}\239\187\191'))
    end)

    it("decodes every escape", function()
      assert.equals('"\\/\b\f\n\r\t', decode([["\"\\\/\b\f\n\r\t"]]))
      assert.equals("\0A\127é€", decode([["\u0000\u0041\u007F\u00e9\u20AC"]]))
      assert.equals("\u{FFFF}", decode([["\uffff"]]))
    end)

    it("joins surrogate pairs into UTF-8", function()
      assert.equals("😀", decode([["\uD83D\uDE00"]]))
      assert.equals("\u{10000}", decode([["\ud800\udc00"]]))
      assert.equals("\u{10FFFF}", decode([["\uDBFF\uDFFF"]]))
      assert.equals("a😀b", decode([["a\ud83d\ude00b"]]))
    end)

    it("decodes integers as integers and the rest as floats", function()
      local cases = {
        { "0", 0, "integer" }, { "-0", 0, "integer" }, { "42", 42, "integer" },
        { "-17", -17, "integer" },
        { "9223372036854775807", math.maxinteger, "integer" },
        { "-9223372036854775808", math.mininteger, "integer" },
        { "9223372036854775808", 2^63, "float" },
        { "-9223372036854775809", -2^63, "float" },
        { "123456789012345678901234567890", 1.2345678901234568e29, "float" },
        { "1.0", 1.0, "float" }, { "1e2", 100.0, "float" },
        { "1E+2", 100.0, "float" }, { "-2.5e-3", -0.0025, "float" },
        { "0.1", 0.1, "float" }, { "1e-400", 0.0, "float" },
        { "1.7976931348623157e308", 1.7976931348623157e308, "float" },
      }
      for _, c in ipairs(cases) do
        local v = decode(c[1])
        assert.equals(c[3], math.type(v), c[1])
        assert.equals(c[2], v, c[1])
      end
    end)

    it("accepts 200 levels of nesting and refuses 201", function()
      local v = decode(nest(200, "[", "]"))
      for _ = 1, 199 do v = v[1] end
      assert.same({}, v)
      assert.is_table(decode(('{"a":'):rep(200) .. "1" .. ("}"):rep(200)))
      rejects(nest(201, "[", "]"), "^json: nesting deeper than 200 at line 1, column 201$")
      rejects(('{"a":'):rep(201) .. "1" .. ("}"):rep(201), "^json: nesting deeper than 200")
      rejects(nest(100000, "[", "]"), "^json: nesting deeper than 200")
    end)

    it("reports line and column in multi-line text", function()
      local text = '{\n  "a": 1,\n  "b": [1, 2,,3]\n}'
      assert.equals("json: unexpected character ',' at line 3, column 14",
        select(2, decode(text)))
      assert.equals("json: trailing comma at line 3, column 6",
        select(2, decode('[\n  1,\n  "x",\n]')))
      assert.equals("json: unterminated string at line 2, column 3",
        select(2, decode('[\n  "abc')))
      assert.equals("json: control character in string at line 2, column 7",
        select(2, decode('[\n  "abc\n"]')))
    end)

    it("refuses malformed structure", function()
      rejects("", "^json: unexpected end of input at line 1, column 1$")
      rejects("   ", "^json: unexpected end of input at line 1, column 4$")
      rejects("[", "^json: unexpected end of input at line 1, column 2$")
      rejects("[1", "^json: unexpected end of input")
      rejects('{"a"', "^json: unexpected end of input")
      rejects('{"a":', "^json: unexpected end of input")
      rejects("[1,]", "^json: trailing comma at line 1, column 3$")
      rejects('{"a":1,}', "^json: trailing comma at line 1, column 7$")
      rejects("[,1]", "^json: unexpected character ','")
      rejects("[1 2]", "^json: expected ',' or ']' at line 1, column 4$")
      rejects('{"a":1 "b":2}', "^json: expected ',' or '}' at line 1, column 8$")
      rejects('{"a" 1}', "^json: expected ':' after key at line 1, column 6$")
      rejects("{a:1}", "^json: expected string key at line 1, column 2$")
      rejects("{1:1}", "^json: expected string key")
      rejects("1 2", "^json: unexpected character '2' after value at line 1, column 3$")
      rejects("[1]]", "^json: unexpected character ']' after value")
      rejects("{}x", "^json: unexpected character 'x' after value")
      rejects("]", "^json: unexpected character ']' at line 1, column 1$")
    end)

    it("refuses what lenient parsers allow", function()
      rejects("01", "^json: leading zero in number at line 1, column 1$")
      rejects("-01", "^json: leading zero in number")
      rejects("[00]", "^json: leading zero in number at line 1, column 2$")
      rejects("NaN", "^json: unexpected character 'N'")
      rejects("[Infinity]", "^json: unexpected character 'I'")
      rejects("-Infinity", "^json: malformed number")
      rejects("[1] // c", "^json: unexpected character '/' after value")
      rejects("/* c */ 1", "^json: unexpected character '/'")
      rejects("'a'", "^json: unexpected character '''")
      rejects("{'a':1}", "^json: expected string key")
      rejects(" \239\187\191[]", "^json: unexpected byte 0xEF")   -- a byte order mark only at the start
      rejects("[1]\0", "^json: unexpected byte 0x00 after value")
      rejects("\f1", "^json: unexpected byte 0x0C")
    end)

    it("refuses malformed numbers", function()
      for _, s in ipairs { "-", "1.", ".5", "1.e3", "1e", "1e+", "+1", "0x10", "1.5.2" } do
        local v = decode(s)
        assert.is_nil(v, s)
      end
      rejects("1.", "^json: malformed number at line 1, column 1$")
      rejects("1e+", "^json: malformed number")
      rejects(".5", "^json: unexpected character '%.'")
      rejects("0x10", "^json: unexpected character 'x' after value")
      rejects("1e400", "^json: number out of range at line 1, column 1$")
      rejects("[-1e999]", "^json: number out of range at line 1, column 2$")
    end)

    it("refuses bad literals", function()
      rejects("tru", "^json: invalid literal at line 1, column 1$")
      rejects("[nul]", "^json: invalid literal at line 1, column 2$")
      rejects("True", "^json: unexpected character 'T'")
      rejects("truex", "^json: unexpected character 'x' after value")
    end)

    it("refuses bad strings", function()
      rejects('"abc', "^json: unterminated string at line 1, column 1$")
      rejects('"a\\', "^json: unexpected end of input")
      rejects('"a\tb"', "^json: control character in string at line 1, column 3$")
      rejects('"a\nb"', "^json: control character in string")
      rejects('"\0"', "^json: control character in string")
      rejects('"\\x"', "^json: invalid escape in string at line 1, column 2$")
      rejects('"\\\'"', "^json: invalid escape in string")
      rejects('"\\u12"', "^json: invalid \\u escape at line 1, column 2$")
      rejects('"\\u12G4"', "^json: invalid \\u escape")
      rejects('"\\U0041"', "^json: invalid escape in string")
    end)

    it("refuses lone surrogates", function()
      local p = "^json: unpaired surrogate in \\u escape"
      rejects([["\ud800"]], p .. " at line 1, column 2$")
      rejects([["x\udc00"]], p .. " at line 1, column 3$")
      rejects([["\ud800x"]], p)
      rejects([["\ud800\u0041"]], p)
      rejects([["\ud800\ud800"]], p)
      rejects([["\ud800\n"]], p)
    end)

    it("refuses invalid UTF-8 in the input", function()
      local p = "^json: invalid UTF%-8 in string at line 1, column 3$"
      rejects('"a\xff"', p)
      rejects('"a\x80"', p)
      rejects('"a\xc0\xaf"', p)             -- overlong
      rejects('"a\xe0\x80\xaf"', p)         -- overlong
      rejects('"a\xed\xa0\x80"', p)         -- encoded surrogate
      rejects('"a\xf4\x90\x80\x80"', p)     -- above U+10FFFF
      rejects('"a\xe2\x82"', p)             -- truncated
      rejects('"a\xe2\x82', p)              -- truncated at end of input
      assert.equals("é€😀", decode('"é€😀"'))
    end)

    -- csrc/json.c gathers up to N = 32 members (GATHER) on the stack, then
    -- makes the table at its final size; past N it grows as members come.
    describe("tables made at their final size", function()
      local N = 32
      local sizes = { 0, 1, 2, 3, N - 1, N, N + 1, N + 2, 2 * N, 2 * N + 1, 3 * N + 5 }

      -- An array of n values i * 10 (null at every 7th), one per line when multiline.
      local function array_text(n)
        local parts = {}
        for i = 1, n do parts[i] = i % 7 == 0 and "null" or tostring(i * 10) end
        return "[" .. table.concat(parts, ",") .. "]"
      end

      -- An object of members (key, JSON text) given as a list of pairs, one per line:
      -- member i starts at line i + 1, column 1.
      local function object_text(members)
        local parts = {}
        for i, m in ipairs(members) do parts[i] = ('"%s":%s'):format(m[1], m[2]) end
        return "{\n" .. table.concat(parts, ",\n") .. "\n}"
      end

      local function numbered(n)
        local members = {}
        for i = 1, n do members[i] = { "k" .. i, tostring(i) } end
        return members
      end

      local function dup(key, line)
        return ("json: duplicate key '%s' at line %d, column 1; the last value is kept"):format(key, line)
      end

      it("decodes arrays of every size around the boundary", function()
        for _, n in ipairs(sizes) do
          local v = decode(array_text(n))
          assert.equals(n, #v, n)
          for i = 1, n do
            assert.equals(i % 7 == 0 and null or i * 10, v[i], n .. ":" .. i)
          end
          assert.is_nil(v[n + 1])
          assert.equals(array_text(n), encode(v))
        end
      end)

      it("decodes objects of every size around the boundary", function()
        for _, n in ipairs(sizes) do
          local v, found = nil, {}
          v = decode(object_text(numbered(n)), found)
          local expect, count = {}, 0
          for i = 1, n do expect["k" .. i] = i end
          assert.same(expect, v, n)
          for _ in pairs(v) do count = count + 1 end
          assert.equals(n, count)
          assert.same({}, found, n)
        end
      end)

      it("lets the last duplicate win and lists each, at every place around the boundary", function()
        -- key "k1" given again as member `at`, for places inside the gathered
        -- members, at the last of them, at the first after the table is made, and later
        for _, n in ipairs { N - 1, N, N + 1, 2 * N + 1 } do
          for _, at in ipairs { 2, N - 1, N, N + 1, N + 2, n } do
            if at <= n then
              local members = numbered(n)
              members[at] = { "k1", '"again"' }
              local found = {}
              local v = decode(object_text(members), found)
              assert.equals("again", v.k1, n .. "/" .. at)
              assert.is_nil(v["k" .. at])
              assert.same({ dup("k1", at + 1) }, found, n .. "/" .. at)
            end
          end
        end
      end)

      it("lists duplicates across the boundary in order, with line and column", function()
        local members = numbered(2 * N + 1)
        members[5] = { "k2", "5" }                        -- gathered, repeats a gathered key
        members[N] = { "k3", "32" }                       -- the last gathered member
        members[N + 1] = { "k3", "33" }                   -- the first after the table is made
        members[N + 3] = { "k" .. N + 2, "35" }           -- a key given first after the table
        members[2 * N] = { "k2", "64" }                   -- k2 a third time
        members[2 * N + 1] = { "k" .. N + 2, "65" }
        local found = {}
        local v = decode(object_text(members), found)
        assert.same({ dup("k2", 6), dup("k3", N + 1), dup("k3", N + 2),
                      dup("k" .. N + 2, N + 4), dup("k2", 2 * N + 1),
                      dup("k" .. N + 2, 2 * N + 2) }, found)
        assert.equals(64, v.k2); assert.equals(33, v.k3); assert.equals(65, v["k" .. N + 2])
        assert.is_nil(v.k5); assert.is_nil(v["k" .. N]); assert.is_nil(v["k" .. 2 * N])
        local count = 0
        for _ in pairs(v) do count = count + 1 end
        assert.equals(2 * N + 1 - 6, count)
        -- without a duplicates list the values are the same
        assert.same(v, decode(object_text(members)))
      end)

      it("lists a key's duplicate before those inside its value, as they are read", function()
        local found = {}
        local v = decode('{"a":1,"a":{"b":1,"b":2},"c":{"d":[{"e":1,"e":2}],"d":0},"c":3}', found)
        assert.same({ a = { b = 2 }, c = 3 }, v)
        assert.same({
          "json: duplicate key 'a' at line 1, column 8; the last value is kept",
          "json: duplicate key 'b' at line 1, column 19; the last value is kept",
          "json: duplicate key 'e' at line 1, column 43; the last value is kept",
          "json: duplicate key 'd' at line 1, column 51; the last value is kept",
          "json: duplicate key 'c' at line 1, column 58; the last value is kept",
        }, found)
        -- the same past the boundary: the repeated key is member N + 1
        local members = numbered(N)
        members[N + 1] = { "k1", '{"x":1,"x":2}' }
        found = {}
        v = decode(object_text(members), found)
        assert.same({ x = 2 }, v.k1)
        assert.same({ dup("k1", N + 2),
                      ("json: duplicate key 'x' at line %d, column 13; the last value is kept"):format(N + 2) },
                    found)
      end)

      it("treats long keys and keys with NUL bytes as keys", function()
        local long = ("é"):rep(30)
        local text = ('{"%s":1,"%sx":2,"a\\u0000":3,"a":4,"%s":5,"a\\u0000":6}'):format(long, long, long)
        local found = {}
        local v = decode(text, found)
        assert.same({ [long] = 5, [long .. "x"] = 2, ["a\0"] = 6, a = 4 }, v)
        local at1 = text:find('"' .. long .. '":5', 1, true)
        local at2 = text:find('"a\\u0000":6', 1, true)
        assert.same({
          ("json: duplicate key '%s...' at line 1, column %d; the last value is kept"):format(("é"):rep(20), at1),
          ("json: duplicate key 'a' at line 1, column %d; the last value is kept"):format(at2),
        }, found)
        found = {}
        assert.same({ [""] = 3, ["\0"] = 2 }, decode('{"":1,"\\u0000":2,"":3}', found))
        assert.same({ "json: duplicate key '' at line 1, column 18; the last value is kept" }, found)
      end)

      it("decodes nested mixes of sizes around the boundary", function()
        local value = {}
        for i, n in ipairs(sizes) do
          local arr, obj = {}, {}
          for j = 1, n do
            arr[j] = { j, { ["k" .. j] = j % 3 == 0 and null or "v" .. j } }
            obj["key" .. j] = { { j }, {}, j * 0.5 }
          end
          value["a" .. i] = arr
          value["o" .. i] = obj
        end
        local text = encode(value)
        assert.same(value, decode(text))
        assert.equals(text, encode(decode(text)))
        assert.equals(encode(value, true), encode(decode(encode(value, true)), true))
      end)

      it("nests 200 levels with more than N members at each", function()
        -- 100 arrays of 2N + 8 values and 100 objects of N + 4 members (N + 1 of
        -- them "b"), alternating; the nested one in the middle of each
        local filler = ("1,"):rep(N + 3)
        local open, close = {}, {}
        for i = 1, 100 do
          open[#open + 1] = "[" .. filler .. '{"a":1,' .. ('"b":2,'):rep(N + 1) .. '"n":'
          close[#close + 1] = ',"z":' .. i .. "}," .. filler .. "0]"
        end
        local text = table.concat(open) .. '"deep"' .. table.concat(close)
        local found = {}
        local v = decode(text, found)
        assert.is_table(v, select(2, decode(text)))
        assert.equals(100 * N, #found)
        for i = 1, 100 do
          assert.equals(2 * N + 8, #v)
          assert.equals(1, v[N + 3]); assert.equals(0, v[2 * N + 8])
          v = v[N + 4]
          assert.equals(2, v.b); assert.equals(101 - i, v.z)
          v = v.n
        end
        assert.equals("deep", v)
        rejects("[" .. filler .. text .. "]", "^json: nesting deeper than 200")
      end)

      it("still decodes when the Lua stack has no room for N members", function()
        -- then the table is made at once and filled as members come
        local fill = {}
        for i = 1, 1000000 do fill[i] = false end
        -- decode(text) in a coroutine whose stack already holds k values; nil
        -- when there is no room left (a stack overflow error)
        local function near_full(text, k)
          local co = coroutine.create(function()
            local function f(...)
              local v = decode(text, {})   -- not a tail call: the k values stay
              return v
            end
            return f(table.unpack(fill, 1, k))
          end)
          local ok, v = coroutine.resume(co)
          return ok and v or nil
        end
        -- the largest k with which text still decodes
        local function room(text)
          local lo, hi = 0, #fill
          while hi - lo > 1 do
            local mid = (lo + hi) // 2
            if near_full(text, mid) ~= nil then lo = mid else hi = mid end
          end
          return lo
        end
        local members = numbered(3 * N)
        members[N + 1] = { "k1", array_text(3 * N) }
        local text = array_text(3 * N):gsub("%]$", "," .. object_text(members) .. "]")
        local k = room(text)
        assert.is_true(room('"x"') - k < 10, room('"x"') - k)
        assert.same(decode(text), near_full(text, k))
        collectgarbage()
      end)

      it("decodes a 2,000,000-element array", function()
        local n = 2000000
        local text = "[" .. ("7,"):rep(n - 1) .. "8]"
        local v = decode(text)
        assert.equals(n, #v)
        assert.equals(7, v[1]); assert.equals(7, v[N + 1]); assert.equals(7, v[n - 1])
        assert.equals(8, v[n])
        v = decode("[[" .. ("[],"):rep(n - 1) .. "{}]]")
        assert.equals(1, #v); assert.equals(n, #v[1])
      end)

      it("decodes a 1,000,000-member object, with a duplicate at its end", function()
        local n = 1000000
        local parts = {}
        for i = 1, n do parts[i] = '"' .. i .. '":' .. i end
        parts[n + 1] = '"1":"last"'
        local text = "{" .. table.concat(parts, ",") .. "}"
        parts = nil
        local found = {}
        local v = decode(text, found)
        assert.equals(1, #found)
        assert.equals(("json: duplicate key '1' at line 1, column %d; the last value is kept"):format(#text - 10),
                      found[1])
        assert.equals("last", v["1"])
        local count = 0
        for k, val in pairs(v) do
          count = count + 1
          if k ~= "1" then assert(math.tointeger(k) == val, k) end
        end
        assert.equals(n, count)
      end)
    end)

    it("checks its argument type but never raises for bad text", function()
      assert.has_error(function() decode() end)
      assert.has_error(function() decode(nil) end)
      assert.has_error(function() decode({}) end)
      assert.has_error(function() decode(true) end)
      local v, err = decode("{")
      assert.is_nil(v); assert.is_string(err)
    end)
  end)
end)
