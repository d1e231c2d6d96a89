-- wrk's report for `make bench-http` (directory/bench/http.py): when the
-- run is over, one line "BENCH_JSON {...}" with the requests completed,
-- the run's duration (s), requests a second, the latency's p50, p95 and
-- p99 (ms) and the errors by kind. "status" is wrk's own count of
-- responses whose status is 400 or more; the others are sockets that
-- failed to connect, read or write, and requests unanswered within
-- wrk's --timeout. No response() hook, and request() only on a distinct
-- line (below): each runs Lua on every request and slows the load
-- generator down.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, '
      .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status
  ))
end

-- A "distinct" line (BENCH_DISTINCT_RUN set by directory/bench/http.py):
-- every request gets a URL of its own, "&bench=<run>-<thread>-<n>", so
-- that no page kept for visitors is served again. Threads are numbered by
-- setup(), which runs in the main Lua state before they start.
local run = os.getenv("BENCH_DISTINCT_RUN")
if run then
  local threads = 0
  setup = function(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
  end
  local sent = 0
  request = function()
    sent = sent + 1
    local path = string.format("%s&bench=%s-%d-%d", wrk.path, run, thread_number, sent)
    return wrk.format(nil, path)
  end
end
