-- wrk script: the same generation request as the other small-request clients
-- (POST <url>/images/generations, dall-e-2, 256x256, answered by url).
-- The key comes from the environment (OPENAI_API_KEY, default sk-test-key).
wrk.method = "POST"
wrk.body = '{"prompt":"a small red fox","model":"dall-e-2","n":1,"size":"256x256"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("OPENAI_API_KEY") or "sk-test-key")

local non_200 = 0

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("non_200 %d\n", non_200))
end
