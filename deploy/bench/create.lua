-- wrk script: POST /create with a unique email per request (no Content-Type, as in the seed's curl line).
-- Prints every HTTP status it saw ("status 201: 12345"), so that a run is judged by its answers, not only by a rate.
-- WRK_STOP_AFTER=N: each thread stops after N answers (the run then has threads x N requests, e.g. 10,000).
-- "id" is set per thread by setup() as a global of that thread's Lua state.
local counter = 0
local threads = {}
local stop_after = tonumber(os.getenv("WRK_STOP_AFTER") or "")

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  prefix = string.format("w%d-%d-%d", os.time(), id or 0, math.random(1, 1000000000))
  statuses = {}
  answered = 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/create", nil, string.format('{"email": "%s-%d@example.com"}', prefix, counter))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  if stop_after and answered >= stop_after then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local codes = {}
  for status in pairs(total) do table.insert(codes, status) end
  table.sort(codes)
  for _, status in ipairs(codes) do
    io.write(string.format("status %d: %d\n", status, total[status]))
  end
end
