-- wrk script: POST <url> with the body of the file $WRK_BODY_FILE (the exact
-- bytes another client sends, written by bench/run) and the Content-Type
-- $WRK_CONTENT_TYPE (default application/json). No response() function, so
-- wrk does not keep the answers: failures are wrk's "Non-2xx or 3xx
-- responses" line. The key comes from OPENAI_API_KEY (default sk-test-key).
local path = os.getenv("WRK_BODY_FILE")
if not path then
  error("WRK_BODY_FILE is not set")
end
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("OPENAI_API_KEY") or "sk-test-key")
