-- GET one path with the session cookie in WRK_COOKIE (none when empty).
local cookie = os.getenv("WRK_COOKIE") or ""

function request()
  local headers = {["Accept-Language"] = "en"}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", nil, headers)
end
