-- wrk script for TrackerBenchmark: valid BitTorrent announces (BEP 3, compact per BEP 23) for one
-- real info hash, from a swarm of peers with fixed 20-byte peer ids (each with its own port), each
-- request a regular re-announce by a peer picked at random.
--
--   wrk -t2 -c50 -d20s --latency -s announce.lua http://127.0.0.1:PORT -- \
--       <path> <url-encoded info hash> <peers in the swarm> <seed>
--
-- <path> is /<passkey>/announce for Shoal's tracker (what its torrents carry), /announce for
-- opentracker. Each request is built once per thread, so Lua costs the same for every server.
-- Two optional arguments more: a file of passkeys, one a line (peer i then announces to
-- /<passkey i>/announce: one device per peer), and "walk" (each thread announces its share of the
-- peers once each, in order, then starts over: the warm-up that gets every device announced), and
-- where in the walk to start (to go on where an earlier run stopped).
-- The last line printed is "WRK key=value ...", parsed by TrackerBenchmark.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local requests = {}
local passkeys = {}
local path, info_hash, pool = nil, nil, 0
local walk = false
local next_index = 0

function init(args)
  path, info_hash, pool = args[1], args[2], tonumber(args[3])
  local seed = tonumber(args[4])
  if args[5] ~= nil and args[5] ~= "" then
    for line in io.lines(args[5]) do
      passkeys[#passkeys + 1] = line
    end
  end
  walk = args[6] == "walk"
  local offset = tonumber(args[7] or "0")
  -- Each thread picks peers in its own order.
  local tid = wrk.thread:get("tid")
  math.randomseed(seed + 7919 * tid)
  next_index = offset + tid - 1
end

-- Peer i's announce: the same peer id and port in every thread and every run, built at its first
-- use (a million of them would take the threads seconds to build up front).
local function announce(i)
  local r = requests[i]
  if r == nil then
    local query = "?info_hash=" .. info_hash .. "&peer_id=-SB0001-" .. string.format("%012d", i)
      .. "&port=" .. (10000 + i % 50000) .. "&uploaded=0&downloaded=0&left=1048576&compact=1&numwant=50"
    local target = path
    if #passkeys > 0 then
      target = "/" .. passkeys[(i - 1) % #passkeys + 1] .. "/announce"
    end
    r = wrk.format("GET", target .. query)
    requests[i] = r
  end
  return r
end

function request()
  if walk then
    -- Threads interleave: thread t takes t, t + 2, t + 4... (two threads).
    local i = next_index % pool + 1
    next_index = next_index + 2
    return announce(i)
  end
  return announce(math.random(pool))
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
      .. " err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
