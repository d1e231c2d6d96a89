-- wrk's report for `make bench-http` (directory/bench/http.py): when the
-- run is over, one line "BENCH_JSON {...}" with the requests completed,
-- the run's duration (s), requests a second, the latency's p50, p95 and
-- p99 (ms) and the errors by kind. "status" is wrk's own count of
-- responses whose status is 400 or more; the others are sockets that
-- failed to connect, read or write, and requests unanswered within
-- wrk's --timeout. No request() or response() hook: each would run Lua on
-- every request and slow the load generator down.
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
