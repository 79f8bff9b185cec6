-- wrk script for bench/intake_burst.py: help-request submissions to one school's public page.
--
-- Arguments (after `--`, all given by intake_burst.py):
--   cookie token path origin run_tag quota retry_share body_rest out_dir address_base tail_path
-- Each POST carries a new idempotency key (run_tag .. thread .. counter, 32 hex digits, the
-- shape the page issues) unless it is drawn as a retry: then it repeats a recent key of this
-- thread with that key's address, like a phone that sent again. The load tool plays the reverse
-- proxy: X-Forwarded-Proto: https and the client's address in X-Forwarded-For (800 addresses per
-- run, the phones of one assembly). After `quota` POSTs a thread only asks for a small static
-- file, so no POST is left unanswered when it stops at `quota` answers.
-- Each answer is written to out_dir/acks-<thread>.txt as "<status> <tracking code or -> <µs>"
-- after a first line "S <µs of the first send>" (a monotonic clock), and "T" once all are in.
-- A POST that times out (wrk --timeout) gets no answer: intake_burst.py then stops wrk when no
-- answer has come for a while, and counts the timeouts as errors.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local next_thread = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

local cookie, token, path, origin, run_tag, quota, retry_share, body_rest, out_dir
local address_base, tail_path
local sent, answered, counter = 0, 0, 0
local recent = {}
local first_sent, last_answer
local out
-- wrk calls request() once on thread 0 before any connection, to check the script, and throws
-- the answer away: that call must not use up a key of the quota.
local checked

function init(args)
  cookie, token, path, origin, run_tag = args[1], args[2], args[3], args[4], args[5]
  quota, retry_share = tonumber(args[6]), tonumber(args[7])
  body_rest, out_dir, address_base, tail_path = args[8], args[9], tonumber(args[10]), args[11]
  out = io.open(string.format("%s/acks-%d.txt", out_dir, thread_no), "w")
  out:setvbuf("line")
  checked = thread_no ~= 0
  math.randomseed(tonumber(run_tag, 16) % 100000 + thread_no)
end

local function address(n)
  -- 100.64.0.0/10 (carrier-grade NAT: phones on mobile data); a string only, never contacted.
  n = address_base + n % 800
  return string.format("100.%d.%d.%d", 64 + math.floor(n / 65536) % 64, math.floor(n / 256) % 256, n % 256)
end

function request()
  if not checked then
    checked = true
    return wrk.format("GET", tail_path)
  end
  if first_sent == nil then
    first_sent = now_us()
    out:write(string.format("S %.0f\n", first_sent))
  end
  if sent >= quota then
    return wrk.format("GET", tail_path, { ["X-Forwarded-Proto"] = "https" })
  end
  sent = sent + 1
  local key, client
  if retry_share > 0 and #recent > 0 and math.random() < retry_share then
    local pick = recent[math.random(#recent)]
    key, client = pick[1], pick[2]
  else
    counter = counter + 1
    key = string.format("%s%02x%022x", run_tag, thread_no, counter)
    client = address(counter + thread_no * 400)
    table.insert(recent, { key, client })
    if #recent > 20 then
      table.remove(recent, 1)
    end
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
    ["Origin"] = origin,
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = client,
  }, "csrfmiddlewaretoken=" .. token .. "&key=" .. key .. "&" .. body_rest)
end

-- Once the POSTs are all sent, a connection sends nothing more (wrk is stopped long before ten
-- minutes): wrk's latency figures are then those of the POSTs and at most a few tail requests.
function delay()
  if sent >= quota then
    return 600000
  end
  return 0
end

function response(status, headers, body)
  local kind = headers["Content-Type"] or ""
  if string.sub(kind, 1, 9) ~= "text/html" then
    return -- the tail's static file
  end
  answered = answered + 1
  last_answer = now_us()
  local code = string.match(body, 'id="tracking%-code">([A-Z2-9]+%-[A-Z2-9]+)<')
  out:write(string.format("%d %s %.0f\n", status, code or "-", last_answer))
  if answered >= quota then
    out:write("T\n")
    out:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    "WRK requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
      .. "p50=%d p90=%d p99=%d max=%d mean=%.0f\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end
