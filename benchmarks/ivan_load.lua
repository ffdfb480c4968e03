-- wrk script of benchmarks/ivan_load.py: each wrk thread posts its own list of signed
-- dossiers (manifest-<thread>.txt: "<token> <file>" per line), each once, with an
-- Idempotency-Key; the path comes from the URL wrk is given.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  bodies, tokens, keys = {}, {}, {}
  local manifest = io.open(args[1] .. "/manifest-" .. id .. ".txt", "r")
  for line in manifest:lines() do
    local token, file = line:match("^(%S+) (%S+)$")
    local f = io.open(file, "rb")
    table.insert(bodies, f:read("*a"))
    f:close()
    table.insert(tokens, token)
    table.insert(keys, id .. "-" .. #bodies .. "-" .. args[2])
  end
  manifest:close()
  n = 0
end

function request()
  n = n + 1
  local k = ((n - 1) % #bodies) + 1
  local headers = {
    ["Content-Type"] = "application/xml",
    ["Idempotency-Key"] = keys[k],
  }
  if tokens[k] ~= "-" then
    headers["Authorization"] = "Bearer " .. tokens[k]
  end
  return wrk.format("POST", nil, headers, bodies[k])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
