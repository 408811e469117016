-- wrk script: POST /create with a unique email per request (no Content-Type, as in the seed's curl line).
-- "id" is set per thread by setup() as a global of that thread's Lua state.
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  prefix = string.format("w%d-%d-%d", os.time(), id or 0, math.random(1, 1000000000))
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/create", nil, string.format('{"email": "%s-%d@example.com"}', prefix, counter))
end
