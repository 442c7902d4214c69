-- Submit prepared drafts, each once, with an Idempotency-Key: the ids are
-- one per line in WRK_IDS, split between WRK_THREADS threads; a thread
-- stops when its share is used up. WRK_TOKEN is the applicant's API token.
local token = os.getenv("WRK_TOKEN")
local total = tonumber(os.getenv("WRK_THREADS"))
local created = 0

function setup(thread)
  thread:set("number", created)
  created = created + 1
end

function init(args)
  ids = {}
  local index = 0
  for line in io.lines(os.getenv("WRK_IDS")) do
    if index % total == number then
      ids[#ids + 1] = line
    end
    index = index + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  local id = ids[sent]
  if id == nil then
    wrk.thread:stop()
    id = ids[#ids]
  end
  return wrk.format("POST", "/api/v1/refunds/" .. id .. "/transitions/submit/", {
    ["Authorization"] = "Token " .. token,
    ["Idempotency-Key"] = "wrk-submit-" .. id,
    ["Content-Type"] = "application/json",
    ["Accept-Language"] = "en",
  }, "{}")
end
