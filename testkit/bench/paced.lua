-- announce.lua's announces at a steady rate: each connection waits the given pause (ms) before each
-- request, so connections / pause is the rate while answers are fast (FleetBenchmark).
--
--   wrk -t2 -cC -d60s --latency -s paced.lua http://127.0.0.1:PORT -- <pause ms> <announce.lua's arguments>

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "announce.lua")

local announce_init = init
local pause = 0

function init(args)
  pause = tonumber(args[1])
  local rest = {}
  for i = 2, #args do
    rest[#rest + 1] = args[i]
  end
  announce_init(rest)
end

function delay()
  return pause
end
