-- wrk script for TrackerBenchmark: valid BitTorrent announces (BEP 3, compact per BEP 23) for one
-- real info hash, from a swarm of peers with random 20-byte peer ids (each with its own port), each
-- request a regular re-announce by a peer picked at random.
--
--   wrk -t2 -c50 -d20s --latency -s announce.lua http://127.0.0.1:PORT -- \
--       <path> <url-encoded info hash> <peers in the swarm> <seed>
--
-- <path> is /<passkey>/announce for Shoal's tracker (what its torrents carry), /announce for
-- opentracker. The requests are built once per thread, so Lua costs the same for every server.
-- The last line printed is "WRK key=value ...", parsed by TrackerBenchmark.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local requests = {}

function init(args)
  local path, info_hash = args[1], args[2]
  local pool, seed = tonumber(args[3]), tonumber(args[4])
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
      .. "&port=" .. (10000 + i) .. "&uploaded=0&downloaded=0&left=1048576&compact=1&numwant=50"
    requests[i] = wrk.format("GET", path .. query)
  end
  -- Then each thread picks peers in its own order.
  math.randomseed(seed + 7919 * wrk.thread:get("tid"))
end

function request()
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
