-- wrk script of bench/web.py: one machine-readable line at the end of a run.
--
--   wrk -t2 -c16 -d10s -s bench/wrk_report.lua http://127.0.0.1:8720/
--
-- prints "WRK_REPORT {json}" with the requests, the duration, the latency percentiles
-- (microseconds), the responses whose status is not 2xx (counted here, per thread: wrk's
-- own errors.status leaves out 1xx and 3xx) and wrk's socket errors.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_REPORT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, '
      .. '"p90_us": %d, "p99_us": %d, "max_us": %d, "non2xx": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    non, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
