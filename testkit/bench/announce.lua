-- wrk script for TrackerBenchmark: valid BitTorrent announces (BEP 3, compact per BEP 23) for one
-- real info hash, from a swarm of peers with random 20-byte peer ids (each with its own port), each
-- request a regular re-announce by a peer picked at random.
--
--   wrk -t2 -c50 -d20s --latency -s announce.lua http://127.0.0.1:PORT -- \
--       <path> <url-encoded info hash> <peers in the swarm> <seed>
--
-- <path> is /<passkey>/announce for Shoal's tracker (what its torrents carry), /announce for
-- opentracker. The requests are built once per thread, so Lua costs the same for every server.
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
local walk = false
local next_index = 0

function init(args)
  local path, info_hash = args[1], args[2]
  local pool, seed = tonumber(args[3]), tonumber(args[4])
  local passkeys = {}
  if args[5] ~= nil and args[5] ~= "" then
    for line in io.lines(args[5]) do
      passkeys[#passkeys + 1] = line
    end
  end
  walk = args[6] == "walk"
  local offset = tonumber(args[7] or "0")
  -- The same swarm (peer ids and ports) in every thread: seed the generator identically first.
  math.randomseed(seed)
  local alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
  for i = 1, pool do
    local id = { "-SB0001-" }
    for _ = 1, 12 do
      local k = math.random(#alphabet)
      id[#id + 1] = alphabet:sub(k, k)
    end
    local query = "?info_hash=" .. info_hash .. "&peer_id=" .. table.concat(id)
      .. "&port=" .. (10000 + i % 50000) .. "&uploaded=0&downloaded=0&left=1048576&compact=1&numwant=50"
    local target = path
    if #passkeys > 0 then
      target = "/" .. passkeys[(i - 1) % #passkeys + 1] .. "/announce"
    end
    requests[i] = wrk.format("GET", target .. query)
  end
  -- Then each thread picks peers in its own order.
  local tid = wrk.thread:get("tid")
  math.randomseed(seed + 7919 * tid)
  next_index = offset + tid - 1
end

function request()
  if walk then
    -- Threads interleave: thread t takes t, t + 2, t + 4... (two threads).
    local r = requests[next_index % #requests + 1]
    next_index = next_index + 2
    return r
  end
  return requests[math.random(#requests)]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
      .. " err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
