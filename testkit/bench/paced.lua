-- announce.lua's announces at a steady rate, open loop: each wrk thread owns a schedule of send
-- times (one every threads / rate seconds) and every request waits for the next free slot of it,
-- whatever the answers' latency, as a fleet of devices on a timer does (FleetBenchmark). A slow
-- answer holds only its own connection: give enough connections that some are always free (rate
-- times the worst latency expected); when all are busy, late slots are sent as soon as one frees.
--
--   wrk -tT -cC -d60s --latency -s paced.lua http://127.0.0.1:PORT -- <requests/s> <T> <announce.lua's arguments>
--
-- wrk's Lua has no sub-second wall clock; LuaJIT's FFI reads the monotonic one.

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "announce.lua")

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } shoal_timespec;
int clock_gettime(int clock_id, shoal_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("shoal_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local announce_init = init
local gap_ms = 0
local offset_ms = 0
local next_slot = nil

function init(args)
  -- Each thread keeps its share of the rate, its slots offset so that the threads' interleave.
  local rate, threads = tonumber(args[1]), tonumber(args[2])
  gap_ms = 1000 * threads / rate
  offset_ms = gap_ms * (tonumber(wrk.thread:get("tid")) - 1) / threads
  local rest = {}
  for i = 3, #args do
    rest[#rest + 1] = args[i]
  end
  announce_init(rest)
end

function delay()
  local now = now_ms()
  if next_slot == nil then
    next_slot = now + offset_ms
  end
  local slot = next_slot
  next_slot = next_slot + gap_ms
  if slot <= now then
    return 0
  end
  return math.floor(slot - now)
end
