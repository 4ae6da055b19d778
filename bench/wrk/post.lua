-- wrk script: POST a fixed Chat Completions body with a bearer key.
-- Env: BENCH_KEY (Authorization bearer), BENCH_STREAM=1 for a streaming body.
local key = os.getenv("BENCH_KEY") or "sk-mock"
local stream = os.getenv("BENCH_STREAM") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
if stream then
  wrk.body = '{"model":"gpt-3.5-turbo","stream":true,"messages":[{"role":"user","content":"Say hello to the benchmark."}]}'
else
  wrk.body = '{"model":"gpt-3.5-turbo","messages":[{"role":"user","content":"Say hello to the benchmark."}]}'
end

-- Print a machine-readable summary line that bench/run.py parses.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"mean_us\":%.1f,\"max_us\":%d}\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
